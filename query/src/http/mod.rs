//! The query HTTP surface: `GET|POST /query`.
//!
//! Invariants:
//! 1. Parameters come from the urlencoded POST body first, then the URL (Go's `FormValue` order);
//!    the body is read as a form whatever its Content-Type.
//! 2. Whole-request failures (missing `q`, parse errors) answer 400 with `{"error":…}` and the same
//!    text in `X-Influxdb-Error`; statement failures answer 200 with per-statement errors.
//! 3. Every body is JSON (`Content-Type: application/json`), printed by [`crate::response`].
//! 4. Statements run on the blocking pool: the engine's reads are synchronous.

mod fused;
mod handler;

pub use handler::{LINE_PROTOCOL_MIME, QueryConfig, router, router_with_store};
