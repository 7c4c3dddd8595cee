//! [`SeriesIndex`]: open, insert, the layer set and its snapshots.
//!
//! Layers: immutable mapped segments (oldest first) and in-memory layers, the last of which is the
//! mutable one; the others are frozen (sealed, being written to a segment). The layer set lives in
//! an `Arc` swapped under a short mutex: a reader clones the `Arc` and reads a consistent set while
//! maintenance builds new segments. Freezing seals the mutable layer under its write lock and
//! publishes a new set with a fresh mutable layer; an insert that finds its layer sealed retries on
//! the new one, so no insert is lost.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use roaring::RoaringBitmap;

use super::error::{IndexError, io_err};
use super::manifest::{MANIFEST, Manifest};
use super::mutable::MemLayer;
use super::segment::{Segment, segment_file_name};
use super::term::push_series_terms;
use crate::model::parse_series_key;

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

pub(crate) type Mem = Arc<RwLock<MemLayer>>;

/// One consistent set of layers.
pub(crate) struct Layers {
    /// Oldest first.
    pub(crate) segments: Vec<Arc<Segment>>,
    /// Frozen layers, then the mutable one (never empty).
    pub(crate) mems: Vec<Mem>,
}

impl Layers {
    pub(crate) fn mutable(&self) -> &Mem {
        // `mems` is never empty: every constructor of `Layers` ends it with a mutable layer.
        &self.mems[self.mems.len() - 1]
    }

    pub(crate) fn frozen(&self) -> &[Mem] {
        &self.mems[..self.mems.len() - 1]
    }
}

/// The index of one database. All methods take `&self`; readers never wait for a merge.
pub struct SeriesIndex {
    pub(crate) dir: PathBuf,
    pub(crate) opts: IndexOptions,
    pub(crate) layers: Mutex<Arc<Layers>>,
    /// Serializes maintenance; holds the manifest as last stored.
    pub(crate) maintenance: Mutex<Manifest>,
}

impl SeriesIndex {
    /// Opens (creating) the index directory `dir`: reads the manifest and maps its segments.
    /// Files the manifest does not name (unfinished builds, merged-away segments) are removed.
    pub fn open(dir: &Path, opts: IndexOptions) -> Result<SeriesIndex, IndexError> {
        fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let manifest = Manifest::load(dir)?;
        let segments = manifest
            .segments
            .iter()
            .map(|&seq| Segment::open(dir, seq).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        remove_unknown_files(dir, &manifest)?;
        Ok(SeriesIndex {
            dir: dir.to_path_buf(),
            opts,
            layers: Mutex::new(Arc::new(Layers {
                segments,
                mems: vec![Mem::default()],
            })),
            maintenance: Mutex::new(manifest),
        })
    }

    pub(crate) fn snapshot(&self) -> Arc<Layers> {
        self.layers.lock().clone()
    }

    /// Whether `id`'s terms are in the index (any layer).
    pub fn contains(&self, id: u32) -> bool {
        let snap = self.snapshot();
        snap.segments.iter().any(|s| s.covered.contains(id))
            || snap.mems.iter().any(|m| m.read().ids().contains(id))
    }

    /// Every id the index holds terms for (the engine inserts `live − indexed()` after a restart).
    pub fn indexed(&self) -> RoaringBitmap {
        let snap = self.snapshot();
        let mut out = RoaringBitmap::new();
        for s in &snap.segments {
            out |= &s.covered;
        }
        for m in &snap.mems {
            out |= m.read().ids();
        }
        out
    }

    /// Adds series, given as `(id, series key)` with the key in the catalog's escaped form
    /// (`m,k1=v1,k2=v2`), to the mutable layer. An id an older layer already holds is added again:
    /// a series dropped and written again may sit in a layer that a running
    /// [`SeriesIndex::maintain_with`] is about to filter out, and re-adding is harmless (a key's
    /// terms never change). One lock per call (the mutable layer's write lock). A key that does not
    /// parse is skipped with a warning.
    pub fn insert(&self, series: &[(u32, &str)]) -> Result<(), IndexError> {
        let mut buf = Vec::new();
        let mut ends = Vec::new();
        let mut spans: Vec<(u32, usize)> = Vec::with_capacity(series.len());
        for &(id, key) in series {
            let Some((m, tags)) = parse_series_key(key) else {
                tracing::warn!(
                    id,
                    key,
                    "series index: series key does not parse; not indexed"
                );
                continue;
            };
            push_series_terms(&m, &tags, &mut buf, &mut ends);
            spans.push((id, ends.len()));
        }
        if spans.is_empty() {
            return Ok(());
        }
        loop {
            let snap = self.snapshot();
            let mut layer = snap.mutable().write();
            if layer.is_sealed() {
                continue; // frozen meanwhile: the new layer set has a fresh mutable layer
            }
            let (mut term, mut start) = (0, 0);
            for &(id, term_end) in &spans {
                let known = layer.ids().contains(id);
                while term < term_end {
                    let end = ends.get(term).copied().unwrap_or(start);
                    if !known {
                        layer.add(buf.get(start..end).unwrap_or(&[]), id);
                    }
                    start = end;
                    term += 1;
                }
            }
            return Ok(());
        }
    }

    /// Seals the mutable layer and publishes a layer set with a fresh one.
    pub(crate) fn freeze(&self) {
        let mut guard = self.layers.lock();
        guard.mutable().write().seal();
        let mut mems = guard.mems.clone();
        mems.push(Mem::default());
        *guard = Arc::new(Layers {
            segments: guard.segments.clone(),
            mems,
        });
    }
}

/// Removes every file in `dir` the manifest does not name.
fn remove_unknown_files(dir: &Path, manifest: &Manifest) -> Result<(), IndexError> {
    let keep: Vec<String> = manifest
        .segments
        .iter()
        .map(|&s| segment_file_name(s))
        .chain([MANIFEST.to_string()])
        .collect();
    let mut removed = false;
    for entry in fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        if keep.iter().any(|k| name.to_str() == Some(k.as_str())) {
            continue;
        }
        if entry.file_type().map_err(|e| io_err(&path, e))?.is_dir() {
            tracing::warn!(path = %path.display(), "series index: unexpected directory left alone");
            continue;
        }
        tracing::info!(path = %path.display(), "series index: removing file not in the manifest");
        fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
        removed = true;
    }
    if removed {
        crate::files::fsync_dir(dir).map_err(|e| io_err(dir, e))?;
    }
    Ok(())
}
