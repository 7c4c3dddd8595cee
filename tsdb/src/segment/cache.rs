//! A bounded cache of decoded column chunks, shared by every scan of an engine.
//!
//! Invariants:
//! 1. An entry is keyed by (segment uid, row group, chunk): segment uids are unique for the life of
//!    the process ([`super::Segment::uid`]) and segments are immutable, so an entry can never be stale;
//!    entries of a segment that compaction or retention removed are simply never asked for again and
//!    age out.
//! 2. The cache holds at most its configured number of bytes of decoded data (the weight of an entry
//!    is the size of its vectors); a chunk larger than the whole budget is decoded and used but not
//!    kept. Capacity 0 disables caching: every scan decodes.
//! 3. A cached chunk is exactly what decoding the chunk gives (the CRC was checked when it was
//!    decoded); a decode error is never cached.
//!
//! Decisions: pco has no random access, so the decode unit is a whole chunk of a row group; a scan
//! that selects a few rows of many row groups (one customer among 700 k series) pays the decode of
//! every touched chunk. Repeated queries over the same (recent, hot) data — dashboards refreshing —
//! then cost one copy of the selected rows instead of a decode. Eviction is quick_cache's
//! (S3-FIFO-like, sharded, `parking_lot` locks): one lock per lookup of a whole chunk, never per row.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::model::{Column, Timestamp};

/// One decoded chunk of a row group.
#[derive(Debug)]
pub enum DecodedChunk {
    /// Chunk 0: the series runs — ids ascending, the rows of each run and the row where it starts.
    Series {
        ids: Vec<u32>,
        runs: Vec<u32>,
        starts: Vec<u32>,
    },
    /// Chunk 1: one timestamp per row.
    Time(Vec<Timestamp>),
    /// Chunk 2 + i: field i, one slot per row.
    Field(Column),
}

impl DecodedChunk {
    /// The series chunk of runs `ids`/`runs`, with each run's first row.
    pub fn series(ids: Vec<u32>, runs: Vec<u32>) -> DecodedChunk {
        let mut at = 0u32;
        let starts = runs
            .iter()
            .map(|&r| {
                let s = at;
                at = at.saturating_add(r);
                s
            })
            .collect();
        DecodedChunk::Series { ids, runs, starts }
    }

    /// Bytes held by the decoded vectors (the cache weight).
    pub fn bytes(&self) -> u64 {
        let n = match self {
            DecodedChunk::Series { ids, runs, starts } => {
                4 * (ids.len() + runs.len() + starts.len())
            }
            DecodedChunk::Time(t) => 8 * t.len(),
            DecodedChunk::Field(c) => c.heap_bytes(),
        };
        n as u64 + 64
    }
}

/// (segment uid, row group, chunk).
pub type ChunkKey = (u64, u32, u32);

#[derive(Clone, Copy, Debug, Default)]
struct ByBytes;

impl Weighter<ChunkKey, Arc<DecodedChunk>> for ByBytes {
    fn weight(&self, _: &ChunkKey, v: &Arc<DecodedChunk>) -> u64 {
        v.bytes()
    }
}

/// Counters of a [`ChunkCache`], for metrics and EXPLAIN ANALYZE.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkCacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Bytes of decoded data held now.
    pub bytes: u64,
    pub capacity: u64,
}

/// See the module documentation.
pub struct ChunkCache {
    cache: Option<Cache<ChunkKey, Arc<DecodedChunk>, ByBytes>>,
    capacity: u64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ChunkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkCache")
            .field("stats", &self.stats())
            .finish()
    }
}

/// Typical decoded chunk of a 16 Ki-row group: 128 KiB; sizes the cache's item table.
const TYPICAL_CHUNK_BYTES: u64 = 128 << 10;

impl ChunkCache {
    /// A cache holding at most `capacity` bytes of decoded chunks (0: no caching).
    pub fn new(capacity: u64) -> ChunkCache {
        let cache = (capacity > 0).then(|| {
            let items = (capacity / TYPICAL_CHUNK_BYTES).clamp(16, 1 << 20) as usize;
            Cache::with_weighter(items, capacity, ByBytes)
        });
        ChunkCache {
            cache,
            capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cached chunk `key`, or `decode()`'s, which is kept when it fits.
    pub fn get_or_decode<E>(
        &self,
        key: ChunkKey,
        decode: impl FnOnce() -> Result<DecodedChunk, E>,
    ) -> Result<Arc<DecodedChunk>, E> {
        if let Some(c) = &self.cache {
            if let Some(v) = c.get(&key) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(v);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let v = Arc::new(decode()?);
        if let Some(c) = &self.cache {
            if v.bytes() <= self.capacity {
                c.insert(key, Arc::clone(&v));
            }
        }
        Ok(v)
    }

    pub fn stats(&self) -> ChunkCacheStats {
        ChunkCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.cache.as_ref().map_or(0, |c| c.weight()),
            capacity: self.capacity,
        }
    }

    /// Drops every entry (tests and benchmarks measuring cold scans).
    pub fn clear(&self) {
        if let Some(c) = &self.cache {
            c.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_within_budget_and_never_caches_errors() {
        let cache = ChunkCache::new(1 << 20);
        let mut decodes = 0;
        for _ in 0..3 {
            let v = cache
                .get_or_decode::<()>((1, 0, 1), || {
                    decodes += 1;
                    Ok(DecodedChunk::Time(vec![1, 2, 3]))
                })
                .unwrap();
            assert!(matches!(&*v, DecodedChunk::Time(t) if t == &[1, 2, 3]));
        }
        assert_eq!(decodes, 1);
        let s = cache.stats();
        assert_eq!((s.hits, s.misses), (2, 1));
        assert!(s.bytes > 0 && s.bytes <= s.capacity);

        let mut tries = 0;
        for _ in 0..2 {
            let r = cache.get_or_decode::<&str>((1, 0, 2), || {
                tries += 1;
                Err("corrupt")
            });
            assert_eq!(r.unwrap_err(), "corrupt");
        }
        assert_eq!(tries, 2, "an error is not cached");
    }

    #[test]
    fn stays_within_capacity_and_zero_disables() {
        let cache = ChunkCache::new(64 << 10);
        for k in 0..100u32 {
            cache
                .get_or_decode::<()>((7, k, 1), || Ok(DecodedChunk::Time(vec![0; 1000])))
                .unwrap();
        }
        assert!(cache.stats().bytes <= 64 << 10);
        // Larger than the whole budget: used, not kept.
        let big = cache
            .get_or_decode::<()>((8, 0, 1), || Ok(DecodedChunk::Time(vec![0; 100_000])))
            .unwrap();
        assert!(matches!(&*big, DecodedChunk::Time(t) if t.len() == 100_000));
        assert!(cache.stats().bytes <= 64 << 10);

        let off = ChunkCache::new(0);
        let mut decodes = 0;
        for _ in 0..2 {
            off.get_or_decode::<()>((1, 0, 0), || {
                decodes += 1;
                Ok(DecodedChunk::Time(vec![1]))
            })
            .unwrap();
        }
        assert_eq!(decodes, 2);
        assert_eq!(off.stats().bytes, 0);
    }
}
