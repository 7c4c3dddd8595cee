//! The `taildb` server as a library: configuration, the composed HTTP application, startup and
//! graceful shutdown. The binary (`src/main.rs`) adds the command line; tests drive
//! [`app::router`] directly.

pub mod admin;
pub mod app;
pub mod config;
pub mod server;
