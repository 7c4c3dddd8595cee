//! taildb query: InfluxQL text → AST → execution → InfluxDB 1.x JSON.
//!
//! Data flows through the modules in this order: [`parser`] turns the `q` text into [`ast`]
//! statements, [`exec`] runs each statement against a [`exec::Store`] (the storage engine) and
//! fills the [`response`] model, which the JSON writer prints; [`http`] ties it to `GET|POST /query`.
#![forbid(unsafe_code)]

pub mod ast;
pub mod auth;
pub mod cq;
pub mod exec;
pub mod http;
pub mod parser;
pub mod response;
pub mod time;
