//! Contract of the series index (implementation replaces the `todo!()`s).

use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;

use super::{TagPredicate, TagRegex};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("series index file {path} is corrupt: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("series index i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Clone, Debug)]
pub struct IndexOptions {
    /// Write the mutable layer to a new segment once it holds this many (term, id) postings.
    pub mutable_max_postings: usize,
    /// Merge segments once there are more than this many.
    pub max_segments: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            mutable_max_postings: 4 << 20,
            max_segments: 4,
        }
    }
}

/// The index of one database. All methods take `&self`; readers never wait for a merge.
pub struct SeriesIndex {
    _private: (),
}

impl SeriesIndex {
    /// Opens (creating) the index directory `dir`: reads the manifest and maps its segments.
    pub fn open(_dir: &Path, _opts: IndexOptions) -> Result<SeriesIndex, IndexError> {
        todo!()
    }

    /// Whether `id`'s terms are in the index (any layer).
    pub fn contains(&self, _id: u32) -> bool {
        todo!()
    }

    /// Every id the index holds terms for (the engine inserts `live − indexed()` after a restart).
    pub fn indexed(&self) -> RoaringBitmap {
        todo!()
    }

    /// Adds series, given as `(id, series key)` with the key in the catalog's escaped form
    /// (`m,k1=v1,k2=v2`), to the mutable layer. Ids already indexed are skipped. One lock per call.
    pub fn insert(&self, _series: &[(u32, &str)]) -> Result<(), IndexError> {
        todo!()
    }

    /// Writes the mutable layer to a segment once it is over `mutable_max_postings` (or when
    /// `force` and it is non-empty), then merges segments when there are more than `max_segments`
    /// (or when `force` and there are several). Only ids in `live` survive a write or merge.
    /// Returns whether the layer set changed. Readers and inserts continue meanwhile.
    pub fn maintain(&self, _live: &RoaringBitmap, _force: bool) -> Result<bool, IndexError> {
        todo!()
    }

    /// Every measurement with a term, sorted.
    pub fn measurements(&self) -> Vec<String> {
        todo!()
    }

    /// Ids of the series of `measurement`.
    pub fn measurement_series(&self, _measurement: &str) -> RoaringBitmap {
        todo!()
    }

    /// Tag keys of `measurement`, sorted, each with the ids of the series that have the key.
    pub fn tag_keys(&self, _measurement: &str) -> Vec<(String, RoaringBitmap)> {
        todo!()
    }

    /// Calls `f(value, ids)` for every value of tag `key` in `measurement`, in sorted value order,
    /// restricted to values matching `filter` (run as an automaton over the term dictionary, never
    /// a scan of every value); stops early when `f` returns `false`.
    pub fn tag_values(
        &self,
        _measurement: &str,
        _key: &str,
        _filter: Option<&TagRegex>,
        _f: &mut dyn FnMut(&str, &RoaringBitmap) -> bool,
    ) -> Result<(), IndexError> {
        todo!()
    }

    /// Whether `measurement` has the tag value `key = value` (write-path limit checks).
    pub fn has_value(&self, _measurement: &str, _key: &str, _value: &str) -> bool {
        todo!()
    }

    /// Number of distinct values of `key` in `measurement` (dead ids included until a merge).
    pub fn value_count(&self, _measurement: &str, _key: &str) -> u64 {
        todo!()
    }

    /// Ids of the series of `measurement` matching `predicate` (bitmap algebra, module docs of
    /// [`TagPredicate`] for the semantics of missing tags).
    pub fn series(
        &self,
        _measurement: &str,
        _predicate: &TagPredicate,
    ) -> Result<RoaringBitmap, IndexError> {
        todo!()
    }
}
