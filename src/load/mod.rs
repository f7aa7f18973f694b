//! Loading a Compose project: the steps between bytes on disk and the typed
//! model.
//!
//! `interpolate` resolves `${VAR}` expressions in YAML scalars the way
//! `docker compose` does; `dotenv` reads `.env` and `env_file` files that
//! feed it. Both are pure functions over text so that every problem they find
//! keeps an exact byte range for diagnostics.

pub mod dotenv;
pub mod interpolate;
