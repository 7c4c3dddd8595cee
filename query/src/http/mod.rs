//! The query HTTP surface: `GET|POST /query`.
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the query work.)

mod api;

pub use api::{QueryConfig, router};
