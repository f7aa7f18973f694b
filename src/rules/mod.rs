//! Rules and the registry that lists them.

pub mod meta;
