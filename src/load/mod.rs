//! Loading a Compose project: the steps between bytes on disk and the typed
//! model.
//!
//! `interpolate` resolves `${VAR}` expressions in YAML scalars the way
//! `docker compose` does; `dotenv` reads `.env` and `env_file` files that
//! feed it. Both are pure functions over text so that every problem they find
//! keeps an exact byte range for diagnostics.
//!
//! `document` turns a parsed file into a spanned generic [`Value`] with
//! aliases followed and scalars interpolated; `merge` merges such documents
//! (`-f` files, `extends`); `project` assembles a whole project.
//!
//! [`Value`]: crate::value::Value

pub mod document;
pub mod dotenv;
pub mod envhints;
pub mod interpolate;
pub mod merge;
pub mod project;
