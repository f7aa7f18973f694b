//! S1xx: what `docker compose` itself would reject.

pub mod container_name_with_replicas;
pub mod dependency_cycle;
pub mod duplicate_container_name;
pub mod duplicate_mount_target;
pub mod missing_image_or_build;
pub mod network_mode_with_networks;
pub mod undefined_reference;
pub mod unknown_dependency;
pub mod unused_definition;
