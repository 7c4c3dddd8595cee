//! The write HTTP surface: `POST /write`, `POST /api/v2/write`.
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the HTTP work.)

mod api;

pub use api::{WriteConfig, router};
