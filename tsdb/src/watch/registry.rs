use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::{Mutex, RwLock};

use super::file::{WatchFileError, decode_watches, encode_watches};
use super::spec::{WatchSpec, WriteOrigin};
use super::watch::Watch;
use crate::files::write_atomic;
use crate::model::Timestamp;

/// Every watch of a data directory, with its state file.
pub struct WatchRegistry {
    /// Number of registered watches: the write path's one branch when there are none.
    count: AtomicUsize,
    inner: RwLock<Inner>,
    path: PathBuf,
    /// One writer of the state file at a time; the snapshot is taken under it, so the last
    /// writer's snapshot is the newest.
    persist_lock: Mutex<()>,
}

#[derive(Default)]
struct Inner {
    by_id: BTreeMap<String, Arc<Watch>>,
    /// Rebuilt from `by_id` on every change (rare); the write path clones one `Arc` per batch.
    by_db: HashMap<String, Arc<[Arc<Watch>]>>,
}

impl Inner {
    fn reindex(&mut self) {
        let mut by_db: HashMap<String, Vec<Arc<Watch>>> = HashMap::new();
        for w in self.by_id.values() {
            by_db
                .entry(w.spec.database.clone())
                .or_default()
                .push(w.clone());
        }
        self.by_db = by_db.into_iter().map(|(k, v)| (k, v.into())).collect();
    }
}

impl WatchRegistry {
    /// Loads the state file at `path` (empty when it does not exist). A damaged file is an error.
    pub fn open(path: &Path) -> Result<WatchRegistry, WatchFileError> {
        let persisted = match std::fs::read(path) {
            Ok(bytes) => decode_watches(path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(WatchFileError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        };
        let mut inner = Inner::default();
        for p in persisted {
            let id = p.id.clone();
            let w = Watch::restore(p).map_err(|reason| WatchFileError::Body {
                path: path.to_path_buf(),
                reason,
            })?;
            inner.by_id.insert(id, Arc::new(w));
        }
        inner.reindex();
        Ok(WatchRegistry {
            count: AtomicUsize::new(inner.by_id.len()),
            inner: RwLock::new(inner),
            path: path.to_path_buf(),
            persist_lock: Mutex::new(()),
        })
    }

    /// True when no watch is registered (SeqCst: module invariant 1).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::SeqCst) == 0
    }

    /// The watches of `db`, if any.
    pub fn for_database(&self, db: &str) -> Option<Arc<[Arc<Watch>]>> {
        if self.is_empty() {
            return None;
        }
        self.inner.read().by_db.get(db).cloned()
    }

    /// Registers `id`; an equal spec keeps the state (returns false), a new or changed spec
    /// starts fresh (returns true).
    pub fn register(&self, id: &str, spec: WatchSpec) -> Result<bool, String> {
        if let Some(w) = self.get(id) {
            if w.spec == spec {
                return Ok(false);
            }
        }
        let w = Arc::new(Watch::new(id, spec)?);
        let mut inner = self.inner.write();
        if inner.by_id.get(id).is_some_and(|old| old.spec == w.spec) {
            return Ok(false);
        }
        inner.by_id.insert(id.to_string(), w);
        inner.reindex();
        self.count.store(inner.by_id.len(), Ordering::SeqCst);
        Ok(true)
    }

    /// Removes `id`; returns whether it existed.
    pub fn unregister(&self, id: &str) -> bool {
        let mut inner = self.inner.write();
        let removed = inner.by_id.remove(id).is_some();
        if removed {
            inner.reindex();
            self.count.store(inner.by_id.len(), Ordering::SeqCst);
        }
        removed
    }

    /// Removes every watch of `db`; returns whether any existed.
    pub fn remove_database(&self, db: &str) -> bool {
        self.retain(|w| w.spec.database != db)
    }

    /// Keeps the watches for which `keep` is true; returns whether any was removed.
    pub fn retain(&self, keep: impl Fn(&Watch) -> bool) -> bool {
        let mut inner = self.inner.write();
        let before = inner.by_id.len();
        inner.by_id.retain(|_, w| keep(w));
        let changed = inner.by_id.len() != before;
        if changed {
            inner.reindex();
            self.count.store(inner.by_id.len(), Ordering::SeqCst);
        }
        changed
    }

    pub fn get(&self, id: &str) -> Option<Arc<Watch>> {
        self.inner.read().by_id.get(id).cloned()
    }

    /// Watch ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.inner.read().by_id.keys().cloned().collect()
    }

    /// Writes the state file (atomic replace) with a snapshot of every watch.
    pub fn persist(&self) -> Result<(), WatchFileError> {
        let _one = self.persist_lock.lock();
        let watches: Vec<Arc<Watch>> = self.inner.read().by_id.values().cloned().collect();
        let snapshot: Vec<_> = watches.iter().map(|w| w.snapshot()).collect();
        let bytes = encode_watches(&self.path, &snapshot)?;
        write_atomic(&self.path, &bytes).map_err(|e| WatchFileError::Io {
            path: self.path.clone(),
            source: e,
        })
    }
}

/// Marks the late points of one batch (or one replayed WAL record) for the watches of its
/// database. Build it AFTER the batch was applied to the memtables (module invariant 1), feed
/// every applied point to [`BatchMarker::point`], then call [`BatchMarker::finish`].
pub struct BatchMarker<'w, 'p> {
    cands: Vec<Cand<'w>>,
    /// Largest watermark and smallest floor over the candidates: the tight loop's only test.
    max_until: Timestamp,
    min_floor: Timestamp,
    /// Per distinct measurement seen on the slow path, the candidates whose filter matches.
    measurements: Vec<(&'p str, Vec<u32>)>,
    last: usize,
}

struct Cand<'w> {
    watch: &'w Watch,
    until: Timestamp,
    floor: Timestamp,
    marks: Vec<Timestamp>,
}

impl<'w, 'p> BatchMarker<'w, 'p> {
    /// `None` when no watch of `watches` can mark anything for a write to `rp` from `origin`.
    pub fn new(
        watches: &'w [Arc<Watch>],
        rp: &str,
        origin: WriteOrigin<'_>,
    ) -> Option<BatchMarker<'w, 'p>> {
        let mut cands = Vec::new();
        let mut max_until = Timestamp::MIN;
        let mut min_floor = Timestamp::MAX;
        for w in watches {
            if let WriteOrigin::Watch(id) = origin {
                if id == w.id {
                    continue;
                }
            }
            if !w.matches_rp(rp) {
                continue;
            }
            let until = w.marking_until();
            let floor = w.floor();
            if until <= floor || until == super::watch::NONE {
                continue;
            }
            max_until = max_until.max(until);
            min_floor = min_floor.min(floor);
            cands.push(Cand {
                watch: w,
                until,
                floor,
                marks: Vec::new(),
            });
        }
        if cands.is_empty() {
            return None;
        }
        Some(BatchMarker {
            cands,
            max_until,
            min_floor,
            measurements: Vec::new(),
            last: usize::MAX,
        })
    }

    /// One applied point.
    #[inline]
    pub fn point(&mut self, measurement: &'p str, t: Timestamp) {
        if t >= self.max_until || t < self.min_floor {
            return;
        }
        self.late(measurement, t);
    }

    #[inline(never)]
    fn late(&mut self, measurement: &'p str, t: Timestamp) {
        let mi = match self.measurements.get(self.last) {
            Some((m, _)) if *m == measurement => self.last,
            _ => match self
                .measurements
                .iter()
                .position(|(m, _)| *m == measurement)
            {
                Some(i) => i,
                None => {
                    let matching: Vec<u32> = self
                        .cands
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.watch.matches_measurement(measurement))
                        .map(|(i, _)| i as u32)
                        .collect();
                    self.measurements.push((measurement, matching));
                    self.measurements.len() - 1
                }
            },
        };
        self.last = mi;
        let (_, matching) = &self.measurements[mi];
        for &ci in matching {
            let c = &mut self.cands[ci as usize];
            if c.floor <= t && t < c.until {
                let b = c.watch.bucket_of(t);
                if c.marks.last() != Some(&b) {
                    c.marks.push(b);
                }
            }
        }
    }

    /// Hands the collected marks to their watches: one lock per watch with marks.
    pub fn finish(self) {
        for c in self.cands {
            if !c.marks.is_empty() {
                c.watch.add_marks(&c.marks);
            }
        }
    }
}
