//! C1xx: security — settings that hand the container control of the host,
//! secrets written into the file, and (opt-in, the `strict` profile)
//! hardening settings.

pub mod docker_socket;
pub mod sensitive_host_path;

// On by default.
pub mod confinement_disabled;
pub mod dangerous_cap_add;
pub mod database_published;
pub mod host_device;
pub mod host_namespace;
pub mod host_network;
pub mod literal_secret;
pub mod privileged;
pub mod shared_propagation;
pub mod unpinned_image;

// Opt-in (`strict`).
pub mod cap_drop_all;
pub mod healthcheck;
pub mod logging;
pub mod no_new_privileges;
pub mod read_only_rootfs;
pub mod resource_limits;
pub mod restart_policy;
pub mod runs_as_root;

mod util;
