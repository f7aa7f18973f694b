//! N: networking and ports.

pub mod duplicate_published_port;
