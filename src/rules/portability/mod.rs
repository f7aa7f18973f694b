//! P: portability and legacy.

pub mod legacy_links;
pub mod obsolete_version;
pub mod yaml11_ambiguous_scalar;
