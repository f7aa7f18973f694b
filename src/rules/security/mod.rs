//! C1xx: security — mounts that hand the container control of the host.

pub mod docker_socket;
pub mod sensitive_host_path;
