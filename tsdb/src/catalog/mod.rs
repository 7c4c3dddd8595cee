//! The series catalog of one database: series key → id and id → key, persistent, bounded memory.
//!
//! Invariants:
//! 1. Ids are dense and assigned in creation order from 0; an id, once returned by
//!    [`SeriesCatalog::resolve`] and made durable by [`SeriesCatalog::sync`], names the same key
//!    forever (across restarts and merges).
//! 2. Every id lives in exactly one place: the fst segment holds `0..segment_count`, the frozen keys
//!    of a running merge the next range, the current log the rest. The manifest names the live
//!    segment and logs; nothing else in the directory is trusted.
//! 3. Files are written once under a temporary name (or appended, for the log), fsynced and then
//!    named by an atomically replaced manifest; sealed files are never modified, so they can be
//!    memory-mapped (`crate::mmap`).
//! 4. Memory holds the unmerged log keys, a CLOCK cache of at most `cache_entries` segment keys and
//!    the small log buffer — never the whole catalog.
//! 5. Data from disk is validated (magic, version, CRC, bounds) before use; corruption is a
//!    [`CatalogError::Corrupt`] naming the file, and only a torn tail of the last log is cut.
//!
//! Lookup order: log keys (hash index) → frozen keys → cache → fst segment. The fst lookups of a
//! batch run outside the lock. Byte layouts, CRC coverage and the merge/recovery protocol:
//! `docs/format/series-catalog.md`.

mod cache;
mod error;
mod format;
mod log;
mod manifest;
mod segment;
mod series_catalog;
mod tail;
#[cfg(test)]
mod tests;

pub use error::CatalogError;
pub use format::MAX_KEY_LEN;
pub use series_catalog::{CatalogOptions, SeriesCatalog};
