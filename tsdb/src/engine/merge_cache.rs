//! Merged memtable rows of recent scans, reused by identical scans while nothing they read changed.
//!
//! Why: continuous queries over live data read rows that are still in memtables, and several CQs
//! over one measurement compute the same window in the same scheduler pass (`count`, `mean`,
//! `max` by `dc`, by `host`, …). Without reuse each of them copies, orders and merges the same
//! millions of memtable rows; with it the first one does and the others replay its batches.
//!
//! Invariants:
//! 1. An entry holds the exact batches a scan of (shard, measurement, `[min, max]`, fields,
//!    selected series) delivered from the shard's memtables, built when no segment row of the
//!    selection could collide with them (the scan's conflict set was empty).
//! 2. It is valid only while the shard's `generation` (bumped by every state change other than
//!    appending writes: freeze, flush, compaction, deletes) is the one it was built at, and no row
//!    appended since to the active memtable's rows of the measurement has a time in `[min, max]`
//!    ([`crate::shard::Shard::scan_snapshot`] checks both under the shard's read lock). Then the
//!    memtable rows a new snapshot would copy are exactly those the entry was built from, and the
//!    segments are the same, so the replay equals a fresh merge.
//! 3. Bounded: entries above the byte budget are not kept; older entries are evicted first.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use roaring::RoaringBitmap;

use crate::model::{Column, Timestamp};

/// One batch of merged rows, owned.
#[derive(Debug)]
pub struct MergedBatch {
    pub series: Vec<u32>,
    pub timestamps: Vec<Timestamp>,
    pub columns: Vec<Option<Column>>,
}

impl MergedBatch {
    /// Approximate heap bytes.
    pub fn bytes(&self) -> usize {
        let cols: usize = self.columns.iter().flatten().map(Column::heap_bytes).sum();
        4 * self.series.len() + 8 * self.timestamps.len() + cols + 64
    }
}

/// Where an entry's rows came from and when it stops being valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The shard's state generation at snapshot time.
    pub generation: u64,
    /// Rows of the measurement in the active memtable at snapshot time.
    pub active_len: usize,
}

struct Entry {
    shard: u64,
    measurement: String,
    min: Timestamp,
    max: Timestamp,
    fields: Vec<String>,
    series: RoaringBitmap,
    stamp: Stamp,
    rows: Arc<Vec<MergedBatch>>,
    bytes: usize,
}

/// What a scan looks up.
pub struct Key<'a> {
    pub shard: u64,
    pub measurement: &'a str,
    pub min: Timestamp,
    pub max: Timestamp,
    pub fields: &'a [String],
    pub series: &'a RoaringBitmap,
}

impl Entry {
    fn matches(&self, k: &Key<'_>) -> bool {
        self.shard == k.shard
            && self.min == k.min
            && self.max == k.max
            && self.measurement == k.measurement
            && self.fields == k.fields
            && &self.series == k.series
    }
}

/// The cache (see the module docs).
pub struct MergeCache {
    entries: Mutex<Vec<Entry>>,
    limit: usize,
    hits: AtomicU64,
}

impl MergeCache {
    pub fn new(limit: usize) -> MergeCache {
        MergeCache {
            entries: Mutex::new(Vec::new()),
            limit,
            hits: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// The entry for `k`, if any: its stamp (for the caller to validate) and rows.
    pub fn get(&self, k: &Key<'_>) -> Option<(Stamp, Arc<Vec<MergedBatch>>)> {
        if self.limit == 0 {
            return None;
        }
        let e = self.entries.lock();
        e.iter()
            .find(|e| e.matches(k))
            .map(|e| (e.stamp, e.rows.clone()))
    }

    /// Counts a reuse (the caller found the entry exact).
    pub fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Reuses so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Drops the entry for `k` (found stale by the caller).
    pub fn remove(&self, k: &Key<'_>) {
        self.entries.lock().retain(|e| !e.matches(k));
    }

    /// Keeps `rows` for `k` if they fit the budget, evicting the oldest entries.
    pub fn put(&self, k: &Key<'_>, stamp: Stamp, rows: Arc<Vec<MergedBatch>>) {
        let bytes: usize =
            rows.iter().map(MergedBatch::bytes).sum::<usize>() + k.series.serialized_size();
        if bytes > self.limit {
            return;
        }
        let mut e = self.entries.lock();
        e.retain(|x| {
            !x.matches(k) && !(x.shard == k.shard && x.stamp.generation < stamp.generation)
        });
        let mut total: usize = e.iter().map(|x| x.bytes).sum();
        while total + bytes > self.limit && !e.is_empty() {
            total -= e.remove(0).bytes;
        }
        e.push(Entry {
            shard: k.shard,
            measurement: k.measurement.to_owned(),
            min: k.min,
            max: k.max,
            fields: k.fields.to_vec(),
            series: k.series.clone(),
            stamp,
            rows,
            bytes,
        });
    }

    /// Bytes held (tests, stats).
    pub fn bytes(&self) -> usize {
        self.entries.lock().iter().map(|x| x.bytes).sum()
    }
}
