//! The write HTTP surface: `POST /write` (InfluxDB 1.x) and `POST /api/v2/write` (InfluxDB 1.8's
//! v2-compatible endpoint).
//!
//! Invariants:
//! 1. Checks run in InfluxDB 1.8's order (`serveWriteV1`/`serveWriteV2`/`serveWrite`): precision,
//!    bucket (v2), `database is required`, `database not found`, body size (413), gzip header, parse,
//!    consistency, write. Each failure answers with InfluxDB's status code and error text.
//! 2. Every error body is `{"error":"…"}` (Go `encoding/json` escaping of `<`, `>`, `&`) with
//!    `Content-Type: application/json` and the same text, truncated to 1024 bytes and with line breaks
//!    turned into spaces, in `X-Influxdb-Error`.
//! 3. No request may make the server hold more than `max_body_size` bytes of body: the limit applies
//!    to `Content-Length`, to the bytes read, and — unlike InfluxDB — to the gunzipped size.
//! 4. Gunzipping, parsing and `Engine::write` run in `spawn_blocking`, never on the async executor.
//! 5. Valid lines of a request are always written, whatever the other lines hold; server time for
//!    lines without a timestamp is taken once per request.

mod body;
mod error;
mod handler;
mod params;
mod routes;

pub use error::WriteHttpError;
pub use routes::{WriteConfig, router};
