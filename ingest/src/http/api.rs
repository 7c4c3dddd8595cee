use std::sync::Arc;

use axum::Router;
use tsdb::Engine;

/// Settings of the write endpoints.
#[derive(Clone, Debug)]
pub struct WriteConfig {
    /// Largest accepted body, also applied to the decompressed size of gzip bodies (InfluxDB's
    /// `max-body-size`, default 25 000 000 bytes).
    pub max_body_size: usize,
    /// Accept `<int>u` unsigned integer fields.
    pub allow_unsigned: bool,
}

impl Default for WriteConfig {
    fn default() -> Self {
        WriteConfig { max_body_size: 25_000_000, allow_unsigned: false }
    }
}

/// The write routes, to be merged into the server's router.
pub fn router(_engine: Arc<Engine>, _config: WriteConfig) -> Router {
    todo!("write http")
}
