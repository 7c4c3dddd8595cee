//! The series catalog of one database: series key → id and id → key, persistent, bounded memory.
//!
//! (Skeleton: the contract below is fixed; the implementation lands with the catalog work.)

mod api;

pub use api::{CatalogError, CatalogOptions, SeriesCatalog};
