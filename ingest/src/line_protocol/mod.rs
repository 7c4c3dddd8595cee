//! InfluxDB 1.x line protocol, parsed zero-copy into a [`tsdb::PointBatch`].
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the parser work.)

mod api;

pub use api::{LineError, ParseOptions, Precision, parse_lines};
