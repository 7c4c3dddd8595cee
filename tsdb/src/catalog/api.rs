use std::path::{Path, PathBuf};

use crate::model::SeriesId;

#[derive(Clone, Debug)]
pub struct CatalogOptions {
    /// How many resolved keys (beyond the unmerged log) the in-memory cache keeps.
    pub cache_entries: usize,
    /// Merge the log into a new fst segment once it holds this many keys.
    pub merge_threshold: usize,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions { cache_entries: 1 << 20, merge_threshold: 1 << 20 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("series catalog i/o error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("series catalog file {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("series catalog file {path} has unsupported format version {version}")]
    UnsupportedVersion { path: PathBuf, version: u32 },
    #[error("series catalog is full: at most {0} series per database")]
    Full(u64),
}

/// Persistent series key ↔ id map of one database. Thread-safe; all methods take `&self`.
pub struct SeriesCatalog {
    _private: (),
}

impl SeriesCatalog {
    /// Opens the catalog in `dir`, creating an empty one if missing.
    pub fn open(_dir: &Path, _opts: CatalogOptions) -> Result<SeriesCatalog, CatalogError> {
        todo!("catalog")
    }

    /// Resolves every key to its id, assigning new dense ids (in order of first appearance) to
    /// unknown keys and appending them to the log (buffered; see [`SeriesCatalog::sync`]).
    /// `out` is cleared and receives one id per key. Returns how many series were new.
    pub fn resolve(&self, _keys: &[&str], _out: &mut Vec<SeriesId>) -> Result<usize, CatalogError> {
        todo!("catalog")
    }

    /// The id of `key`, if it exists.
    pub fn get(&self, _key: &str) -> Result<Option<SeriesId>, CatalogError> {
        todo!("catalog")
    }

    /// The key of `id`, if it exists.
    pub fn key(&self, _id: SeriesId) -> Result<Option<String>, CatalogError> {
        todo!("catalog")
    }

    /// Number of series (the next id to assign).
    pub fn len(&self) -> u32 {
        todo!("catalog")
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes and fsyncs the log: every id handed out so far survives a crash.
    pub fn sync(&self) -> Result<(), CatalogError> {
        todo!("catalog")
    }

    /// Merges the log into a new immutable fst segment and id→key table if it passed the merge
    /// threshold (or `force`), swapping the manifest atomically. Returns whether a merge happened.
    pub fn maybe_merge(&self, _force: bool) -> Result<bool, CatalogError> {
        todo!("catalog")
    }

    /// Calls `f` for every series, in id order.
    pub fn for_each(&self, _f: &mut dyn FnMut(SeriesId, &str)) -> Result<(), CatalogError> {
        todo!("catalog")
    }
}
