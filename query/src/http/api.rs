use std::sync::Arc;

use axum::Router;
use tsdb::Engine;

#[derive(Clone, Debug, Default)]
pub struct QueryConfig {}

/// The query routes, to be merged into the server's router.
pub fn router(_engine: Arc<Engine>, _config: QueryConfig) -> Router {
    todo!("query http")
}
