//! compose-lint: a Docker Compose linter that knows what is inside the image.
//!
//! The pipeline reads as the modules read: `discover` (which files) ->
//! `load` (YAML with spans, interpolation, merge) -> `model` (the typed
//! Compose project) -> `image` (what is inside each service's image) -> `rules` -> `diagnostic` -> `report`. `lint` runs
//! that pipeline for one project; `cli` is the command line around it.

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod exitcode;
pub mod fasthash;
pub mod fix;
pub mod fscache;
#[doc(hidden)]
pub mod fuzzing;
pub mod image;
pub mod lint;
pub mod load;
pub mod lsp;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod value;
pub mod yaml;
