//! `watches.tdb`: the framed state file of every watch (`docs/format/watches.md`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::spec::WatchSpec;
use super::watch::PersistedWatch;
use crate::files::{FramedError, decode_framed, encode_framed};
use crate::model::Timestamp;

pub const WATCHES_MAGIC: &[u8; 8] = b"TAILWTCH";
pub const WATCHES_VERSION: u32 = 1;

/// Most buckets a state file may hold over all watches (bounds memory on load; 7 days of 1 s
/// buckets for 100 watches is 60 M).
const MAX_BUCKETS: u64 = 1 << 28;

#[derive(Debug, thiserror::Error)]
pub enum WatchFileError {
    #[error("watch state file i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("watch state file is damaged: {0}")]
    Framed(#[from] FramedError),
    #[error("watch state file {path} has an invalid body: {reason}")]
    Body { path: PathBuf, reason: String },
}

#[derive(Serialize, Deserialize)]
struct Body {
    watches: Vec<FileWatch>,
}

#[derive(Serialize, Deserialize)]
struct FileWatch {
    id: String,
    spec: WatchSpec,
    confirmed_until: Option<Timestamp>,
    floor: Timestamp,
    marked_total: u64,
    /// Runs of consecutive buckets: `[first bucket start, count]`, ascending, disjoint.
    runs: Vec<(Timestamp, u64)>,
}

/// Encodes the watches into a framed file.
pub fn encode_watches(path: &Path, watches: &[PersistedWatch]) -> Result<Vec<u8>, WatchFileError> {
    let body = Body {
        watches: watches
            .iter()
            .map(|w| FileWatch {
                id: w.id.clone(),
                spec: w.spec.clone(),
                confirmed_until: w.confirmed_until,
                floor: w.floor,
                marked_total: w.marked_total,
                runs: to_runs(&w.buckets, w.spec.interval),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&body).map_err(|e| WatchFileError::Body {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(encode_framed(WATCHES_MAGIC, WATCHES_VERSION, &json))
}

/// Validates the frame and the body (ids distinct, interval > 0, runs ascending and disjoint).
pub fn decode_watches(path: &Path, bytes: &[u8]) -> Result<Vec<PersistedWatch>, WatchFileError> {
    let (_, json) = decode_framed(path, bytes, WATCHES_MAGIC, WATCHES_VERSION)?;
    let bad = |reason: String| WatchFileError::Body {
        path: path.to_path_buf(),
        reason,
    };
    let body: Body = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
    let mut ids = HashSet::new();
    let mut total = 0u64;
    let mut out = Vec::with_capacity(body.watches.len());
    for w in body.watches {
        if !ids.insert(w.id.clone()) {
            return Err(bad(format!("watch {:?} appears twice", w.id)));
        }
        let interval = w.spec.interval;
        if interval <= 0 {
            return Err(bad(format!(
                "watch {:?}: interval must be positive, got {interval}",
                w.id
            )));
        }
        let mut buckets = Vec::new();
        let mut next_min: Option<Timestamp> = None;
        for (i, &(first, count)) in w.runs.iter().enumerate() {
            if count == 0 {
                return Err(bad(format!("watch {:?}: run {i} is empty", w.id)));
            }
            if next_min.is_some_and(|m| first < m) {
                return Err(bad(format!(
                    "watch {:?}: run {i} starting at {first} overlaps or precedes the previous run",
                    w.id
                )));
            }
            total = total.saturating_add(count);
            if total > MAX_BUCKETS {
                return Err(bad(format!(
                    "more than {MAX_BUCKETS} buckets (watch {:?}, run {i} of {count})",
                    w.id
                )));
            }
            if super::spec::bucket_start(first, interval, w.spec.offset) != first {
                return Err(bad(format!(
                    "watch {:?}: run {i} starts at {first}, not on the bucket grid",
                    w.id
                )));
            }
            let last = (first as i128) + (count as i128 - 1) * (interval as i128);
            if last > i64::MAX as i128 {
                return Err(bad(format!(
                    "watch {:?}: run {i} ({first} + {count} buckets) overflows the time range",
                    w.id
                )));
            }
            let mut b = first;
            for k in 0..count {
                buckets.push(b);
                if k + 1 < count {
                    b += interval;
                }
            }
            next_min = (b as i128 + interval as i128).try_into().ok();
            if next_min.is_none() && i + 1 < w.runs.len() {
                return Err(bad(format!(
                    "watch {:?}: run {} follows a run ending at the end of time",
                    w.id,
                    i + 1
                )));
            }
        }
        out.push(PersistedWatch {
            id: w.id,
            spec: w.spec,
            confirmed_until: w.confirmed_until,
            floor: w.floor,
            buckets,
            marked_total: w.marked_total,
        });
    }
    Ok(out)
}

/// Ascending distinct bucket starts → runs of consecutive buckets.
fn to_runs(buckets: &[Timestamp], interval: i64) -> Vec<(Timestamp, u64)> {
    let mut runs: Vec<(Timestamp, u64)> = Vec::new();
    let mut prev: Option<Timestamp> = None;
    for &b in buckets {
        match (prev, runs.last_mut()) {
            (Some(p), Some(run)) if p.checked_add(interval) == Some(b) => run.1 += 1,
            _ => runs.push((b, 1)),
        }
        prev = Some(b);
    }
    runs
}
