//! compose-lint: a Docker Compose linter that knows what is inside the image.
//!
//! The pipeline reads as the modules read: `load` (YAML with spans,
//! interpolation, merge) -> `model` (the typed Compose project) -> `image`
//! (image facts) -> `rules` -> `diagnostic` -> `report`.

pub mod diagnostic;
pub mod report;
pub mod rules;
pub mod source;
pub mod yaml;
