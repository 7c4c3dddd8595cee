//! [`SeriesCatalog`]: the lookup path (cache → log keys → fst segment), id assignment, sync,
//! merge and restart. File formats live in the sibling modules.

use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use hashbrown::DefaultHashBuilder;
use parking_lot::Mutex;

use super::CatalogError;
use super::cache::ClockCache;
use super::format::{self, MAX_KEY_LEN, corrupt, io_err, sync_dir};
use super::log::{LogWriter, encode_frame, replay};
use super::manifest::Manifest;
use super::segment::{self, Segment};
use super::tail::Tail;
use crate::model::SeriesId;

/// Tuning of a [`SeriesCatalog`].
#[derive(Clone, Debug)]
pub struct CatalogOptions {
    /// How many resolved keys (beyond the unmerged log) the in-memory cache keeps.
    pub cache_entries: usize,
    /// Merge the log into a new fst segment once it holds this many keys.
    pub merge_threshold: usize,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions {
            cache_entries: 1 << 20,
            merge_threshold: 1 << 20,
        }
    }
}

/// The log buffer is handed to the file once it grows past this, even without [`SeriesCatalog::sync`].
const LOG_BUFFER_FLUSH: usize = 1 << 20;

/// Persistent series key ↔ id map of one database. Thread-safe; all methods take `&self`.
pub struct SeriesCatalog {
    dir: PathBuf,
    opts: CatalogOptions,
    hasher: DefaultHashBuilder,
    state: Mutex<State>,
    /// Held for the whole of a merge; only one merge runs at a time.
    merge_lock: Mutex<()>,
    len: AtomicU32,
    /// Set after a failed log write or fsync: new keys are refused from then on.
    failed: AtomicBool,
}

struct State {
    manifest: Manifest,
    /// Ids `0..manifest.segment_count`.
    segment: Option<Arc<Segment>>,
    /// Keys being merged by a running (or failed) merge: ids `segment_count..tail.base()`.
    frozen: Option<Arc<Tail>>,
    /// Keys of the current log, not yet being merged.
    tail: Tail,
    cache: ClockCache,
    /// Current log; lock order is `state` then `log`.
    log: Arc<Mutex<LogWriter>>,
    /// Encoded frames not yet handed to the log file.
    log_buf: Vec<u8>,
}

impl State {
    fn lookup_memory(&mut self, key: &str, hash: u64) -> Option<u32> {
        self.tail
            .get(key, hash)
            .or_else(|| self.frozen.as_ref().and_then(|f| f.get(key, hash)))
            .or_else(|| self.cache.get(key, hash))
    }
}

impl SeriesCatalog {
    /// Opens the catalog in `dir`, creating an empty one if missing.
    pub fn open(dir: &Path, opts: CatalogOptions) -> Result<SeriesCatalog, CatalogError> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let hasher = DefaultHashBuilder::default();
        let manifest = match Manifest::read(dir)? {
            Some(m) => m,
            None => {
                remove_stale(dir, None)?;
                let log = LogWriter::create(dir.join(format::log_name(1)), 1, 0)?;
                drop(log);
                sync_dir(dir)?;
                let m = Manifest {
                    next_generation: 2,
                    segment_generation: 0,
                    segment_count: 0,
                    logs: vec![1],
                };
                m.write(dir)?;
                m
            }
        };
        remove_stale(dir, Some(&manifest))?;

        let segment = if manifest.segment_generation == 0 {
            None
        } else {
            let g = manifest.segment_generation;
            let s = Segment::open(
                dir.join(format::fst_name(g)),
                dir.join(format::ids_name(g)),
                manifest.segment_count,
            )?;
            Some(Arc::new(s))
        };

        let mut tail = Tail::new(manifest.segment_count);
        let mut last = None;
        for (i, &g) in manifest.logs.iter().enumerate() {
            let path = dir.join(format::log_name(g));
            let buf = std::fs::read(&path).map_err(|e| io_err(&path, e))?;
            let expect_base = tail.end_id();
            let r = replay(&path, &buf, g, |key| {
                let h = hasher.hash_one(key);
                if tail.get(key, h).is_some() {
                    return Err(corrupt(
                        &path,
                        format!("key {key:?} appears twice in the logs"),
                    ));
                }
                if tail.end_id() == u32::MAX {
                    return Err(CatalogError::Full(u64::from(u32::MAX)));
                }
                tail.push(key, h, |k| hasher.hash_one(k));
                Ok(())
            });
            let r = r?;
            if r.base_id != expect_base {
                return Err(corrupt(
                    &path,
                    format!("log starts at id {}, expected {expect_base}", r.base_id),
                ));
            }
            let is_last = i + 1 == manifest.logs.len();
            if r.torn && !is_last {
                return Err(corrupt(
                    &path,
                    format!(
                        "torn entry at byte {} of a log that is not the last",
                        r.good_len
                    ),
                ));
            }
            if is_last {
                last = Some((path, g, r.good_len, r.torn));
            }
        }
        let Some((path, g, good_len, torn)) = last else {
            return Err(corrupt(
                &dir.join(format::MANIFEST),
                "manifest lists no log",
            ));
        };
        let log = LogWriter::reopen(path, g, good_len, torn)?;

        let len = tail.end_id();
        let state = State {
            manifest,
            segment,
            frozen: None,
            tail,
            cache: ClockCache::new(opts.cache_entries),
            log: Arc::new(Mutex::new(log)),
            log_buf: Vec::new(),
        };
        Ok(SeriesCatalog {
            dir: dir.to_path_buf(),
            opts,
            hasher,
            state: Mutex::new(state),
            merge_lock: Mutex::new(()),
            len: AtomicU32::new(len),
            failed: AtomicBool::new(false),
        })
    }

    /// Resolves every key to its id, assigning new dense ids (in order of first appearance) to
    /// unknown keys and appending them to the log (buffered; see [`SeriesCatalog::sync`]).
    /// `out` is cleared and receives one id per key. Returns how many series were new.
    ///
    /// Locking: one acquisition for the in-memory lookups; keys missing there are looked up in the
    /// fst segment *outside* the lock, then a second acquisition caches fst hits and assigns ids.
    pub fn resolve(&self, keys: &[&str], out: &mut Vec<SeriesId>) -> Result<usize, CatalogError> {
        out.clear();
        if let Some(k) = keys.iter().find(|k| k.len() > MAX_KEY_LEN) {
            return Err(CatalogError::KeyTooLong {
                len: k.len(),
                max: MAX_KEY_LEN,
            });
        }
        let hashes: Vec<u64> = keys.iter().map(|k| self.hasher.hash_one(k)).collect();
        let mut misses: Vec<u32> = Vec::new();
        let seen_segment = {
            let mut st = self.state.lock();
            for (i, (k, &h)) in keys.iter().zip(&hashes).enumerate() {
                match st.lookup_memory(k, h) {
                    Some(id) => out.push(SeriesId(id)),
                    None => {
                        out.push(SeriesId(u32::MAX));
                        misses.push(i as u32);
                    }
                }
            }
            if misses.is_empty() {
                return Ok(0);
            }
            st.segment.clone()
        };

        let mut in_segment: Vec<Option<u32>> = Vec::with_capacity(misses.len());
        for &i in &misses {
            let key = keys.get(i as usize).copied().unwrap_or("");
            in_segment.push(match &seen_segment {
                Some(s) => s.get(key)?,
                None => None,
            });
        }

        let mut st = self.state.lock();
        let segment_changed = !same_segment(&st.segment, &seen_segment);
        let mut new = 0;
        for (&i, &found) in misses.iter().zip(&in_segment) {
            let i = i as usize;
            let (Some(&key), Some(&h)) = (keys.get(i), hashes.get(i)) else {
                continue;
            };
            let id = match found {
                Some(id) => {
                    if st.cache.get(key, h).is_none() {
                        st.cache.insert(key, h, id);
                    }
                    id
                }
                None => match self.lookup_after_race(&mut st, key, h, segment_changed)? {
                    Some(id) => id,
                    None => {
                        if self.failed.load(Ordering::Acquire) {
                            return Err(self.failed_error());
                        }
                        let id = st.tail.end_id();
                        if id == u32::MAX {
                            return Err(CatalogError::Full(u64::from(u32::MAX)));
                        }
                        st.tail.push(key, h, |k| self.hasher.hash_one(k));
                        encode_frame(key, &mut st.log_buf);
                        self.len.store(id + 1, Ordering::Release);
                        new += 1;
                        id
                    }
                },
            };
            if let Some(o) = out.get_mut(i) {
                *o = SeriesId(id);
            }
        }
        if st.log_buf.len() >= LOG_BUFFER_FLUSH {
            self.hand_over(st, false)?;
        }
        Ok(new)
    }

    /// A key missed the memory and the segment seen outside the lock: since then another thread
    /// may have created it, or a merge may have moved it into a new segment.
    fn lookup_after_race(
        &self,
        st: &mut State,
        key: &str,
        h: u64,
        segment_changed: bool,
    ) -> Result<Option<u32>, CatalogError> {
        if let Some(id) = st.lookup_memory(key, h) {
            return Ok(Some(id));
        }
        if segment_changed && let Some(seg) = &st.segment {
            if let Some(id) = seg.get(key)? {
                st.cache.insert(key, h, id);
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Hands the log buffer to the log file (write, and fsync if `fsync`), releasing the state
    /// lock before the system calls but only after taking the log lock, so writes keep id order.
    fn hand_over(
        &self,
        mut st: parking_lot::MutexGuard<'_, State>,
        fsync: bool,
    ) -> Result<(), CatalogError> {
        let buf = std::mem::take(&mut st.log_buf);
        let log = Arc::clone(&st.log);
        let mut lg = log.lock();
        drop(st);
        let r = lg
            .append(&buf)
            .and_then(|()| if fsync { lg.fsync() } else { Ok(()) });
        if r.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        r
    }

    fn failed_error(&self) -> CatalogError {
        let path = self
            .state
            .try_lock()
            .map_or_else(|| self.dir.clone(), |st| st.log.lock().path.clone());
        io_err(
            &path,
            std::io::Error::other(
                "an earlier log write or fsync failed; the catalog refuses new series",
            ),
        )
    }

    /// The id of `key`, if it exists.
    pub fn get(&self, key: &str) -> Result<Option<SeriesId>, CatalogError> {
        let h = self.hasher.hash_one(key);
        let mut st = self.state.lock();
        if let Some(id) = st.lookup_memory(key, h) {
            return Ok(Some(SeriesId(id)));
        }
        let Some(seg) = st.segment.clone() else {
            return Ok(None);
        };
        let found = seg.get(key)?;
        if let Some(id) = found {
            st.cache.insert(key, h, id);
        }
        Ok(found.map(SeriesId))
    }

    /// The key of `id`, if it exists.
    pub fn key(&self, id: SeriesId) -> Result<Option<String>, CatalogError> {
        let st = self.state.lock();
        if let Some(seg) = &st.segment
            && id.0 < seg.count
        {
            return Ok(seg.key(id.0)?.map(str::to_owned));
        }
        if let Some(k) = st.frozen.as_ref().and_then(|f| f.key(id.0)) {
            return Ok(Some(k.to_owned()));
        }
        Ok(st.tail.key(id.0).map(str::to_owned))
    }

    /// Number of series (the next id to assign).
    pub fn len(&self) -> u32 {
        self.len.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes and fsyncs the log: every id handed out so far survives a crash.
    pub fn sync(&self) -> Result<(), CatalogError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(self.failed_error());
        }
        self.hand_over(self.state.lock(), true)
    }

    /// Merges the log into a new immutable fst segment and id→key table if it passed the merge
    /// threshold (or `force`), swapping the manifest atomically. Returns whether a merge happened.
    ///
    /// Protocol (see `docs/format/series-catalog.md`): (A) under the state lock, fsync the current
    /// log, start a new log and freeze the old keys; (B) without the lock, build the new segment
    /// from the old one and the frozen keys; (C) under the lock, write the manifest naming the new
    /// segment and the new log, swap them in; then delete the old files.
    pub fn maybe_merge(&self, force: bool) -> Result<bool, CatalogError> {
        let _merging = if force {
            self.merge_lock.lock()
        } else {
            match self.merge_lock.try_lock() {
                Some(g) => g,
                None => return Ok(false),
            }
        };
        // (A) freeze.
        let (old, frozen, generation) = {
            let mut st = self.state.lock();
            if st.frozen.is_none() {
                let n = st.tail.len();
                if n == 0 || (!force && n < self.opts.merge_threshold.max(1)) {
                    return Ok(false);
                }
                self.rotate_log(&mut st)?;
            }
            let generation = st.manifest.next_generation;
            st.manifest.next_generation += 1;
            let Some(frozen) = st.frozen.clone() else {
                return Ok(false);
            };
            (st.segment.clone(), frozen, generation)
        };

        // (B) build outside the lock.
        let fst_path = self.dir.join(format::fst_name(generation));
        let ids_path = self.dir.join(format::ids_name(generation));
        let fst_tmp = tmp_path(&fst_path);
        let ids_tmp = tmp_path(&ids_path);
        let sorted = frozen.sorted_positions();
        let count = segment::build(old.as_deref(), &frozen, &sorted, &fst_tmp, &ids_tmp)?;
        std::fs::rename(&fst_tmp, &fst_path).map_err(|e| io_err(&fst_path, e))?;
        std::fs::rename(&ids_tmp, &ids_path).map_err(|e| io_err(&ids_path, e))?;
        sync_dir(&self.dir)?;
        let new_segment = Arc::new(Segment::open(fst_path, ids_path, count)?);

        // (C) swap.
        let (old_logs, old_segment) = {
            let mut st = self.state.lock();
            let mut m = st.manifest.clone();
            let current = st.log.lock().generation;
            let old_logs: Vec<u64> = m.logs.iter().copied().filter(|&g| g != current).collect();
            let old_segment = m.segment_generation;
            m.segment_generation = generation;
            m.segment_count = count;
            m.logs = vec![current];
            m.write(&self.dir)?;
            st.manifest = m;
            st.segment = Some(new_segment);
            st.frozen = None;
            (old_logs, old_segment)
        };
        for g in old_logs {
            remove_quietly(&self.dir.join(format::log_name(g)));
        }
        if old_segment != 0 {
            remove_quietly(&self.dir.join(format::fst_name(old_segment)));
            remove_quietly(&self.dir.join(format::ids_name(old_segment)));
        }
        Ok(true)
    }

    /// Step (A) of a merge: makes the current log durable, starts the next one and freezes the
    /// current keys. Runs under the state lock (a few fsyncs).
    fn rotate_log(&self, st: &mut State) -> Result<(), CatalogError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(self.failed_error());
        }
        let buf = std::mem::take(&mut st.log_buf);
        {
            let mut lg = st.log.lock();
            if let Err(e) = lg.append(&buf).and_then(|()| lg.fsync()) {
                self.failed.store(true, Ordering::Release);
                return Err(e);
            }
        }
        let g = st.manifest.next_generation;
        let end = st.tail.end_id();
        let log = LogWriter::create(self.dir.join(format::log_name(g)), g, end)?;
        sync_dir(&self.dir)?;
        let mut m = st.manifest.clone();
        m.next_generation = g + 1;
        m.logs.push(g);
        m.write(&self.dir)?;
        st.manifest = m;
        st.log = Arc::new(Mutex::new(log));
        let keys = std::mem::replace(&mut st.tail, Tail::new(end));
        st.frozen = Some(Arc::new(keys));
        Ok(())
    }

    /// Runs only step (A) of a merge, as a crash right after it would leave things.
    #[cfg(test)]
    pub(super) fn rotate_only(&self) -> Result<(), CatalogError> {
        self.rotate_log(&mut self.state.lock())
    }

    /// Calls `f` for every series, in id order.
    pub fn for_each(&self, f: &mut dyn FnMut(SeriesId, &str)) -> Result<(), CatalogError> {
        let (segment, frozen, tail) = {
            let st = self.state.lock();
            (st.segment.clone(), st.frozen.clone(), st.tail.snapshot())
        };
        if let Some(s) = &segment {
            s.for_each(&mut |id, k| f(SeriesId(id), k))?;
        }
        for t in frozen.as_deref().into_iter().chain(std::iter::once(&tail)) {
            for i in 0..t.len() {
                f(SeriesId(t.base() + i as u32), t.key_at(i));
            }
        }
        Ok(())
    }

    /// Memory held by the in-memory structures (cache, unmerged keys), in bytes, approximately.
    pub fn heap_bytes(&self) -> usize {
        let st = self.state.lock();
        st.cache.heap_bytes()
            + st.tail.heap_bytes()
            + st.frozen.as_ref().map_or(0, |f| f.heap_bytes())
            + st.log_buf.capacity()
    }

    /// Number of keys held by the CLOCK cache.
    pub fn cached_entries(&self) -> usize {
        self.state.lock().cache.len()
    }
}

impl Drop for SeriesCatalog {
    /// Best effort: a clean shutdown makes buffered keys durable. Errors are logged, not raised.
    fn drop(&mut self) {
        if !self.failed.load(Ordering::Acquire)
            && let Err(e) = self.hand_over(self.state.lock(), true)
        {
            tracing::warn!("series catalog: final log sync failed: {e}");
        }
    }
}

fn same_segment(a: &Option<Arc<Segment>>, b: &Option<Arc<Segment>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

fn tmp_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(format::TMP_SUFFIX);
    PathBuf::from(s)
}

fn remove_quietly(p: &Path) {
    if let Err(e) = std::fs::remove_file(p)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("series catalog: could not remove {}: {e}", p.display());
    }
}

/// Deletes files a crash left behind: `*.tmp`, and catalog files the manifest does not name.
fn remove_stale(dir: &Path, manifest: Option<&Manifest>) -> Result<(), CatalogError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let live = match (format::parse_generation(name), manifest) {
            _ if name.ends_with(format::TMP_SUFFIX) => false,
            (None, _) => true,
            (Some(_), None) => false,
            (Some(g), Some(m)) => {
                if name.ends_with(".log") {
                    m.logs.contains(&g)
                } else {
                    g == m.segment_generation
                }
            }
        };
        if !live {
            remove_quietly(&entry.path());
        }
    }
    Ok(())
}
