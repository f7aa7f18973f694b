//! M1xx: mounts and volumes — what a mount does to the image's files and
//! to the host.

pub mod anonymous_volume_stale;
pub mod bind_hides_image_content;
pub mod host_specific_file;
pub mod image_content;
pub mod mount_over_system_path;
pub mod paths;
