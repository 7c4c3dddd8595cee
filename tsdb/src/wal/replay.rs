//! Recovery: read every segment in id order, hand each record to `apply`, cut a torn tail of the
//! newest segment, and refuse anything else that is damaged.
//!
//! The rule (also in `docs/format/wal.md`, "Recovery"):
//! 1. Only the newest segment may end badly. Its first bad frame (short header, short payload,
//!    oversized length, CRC mismatch) is a torn tail **iff no valid-looking frame follows it**;
//!    the file is then truncated to the last good record and fsynced.
//! 2. "Valid-looking frame": at any byte offset after the bad frame's start, a frame whose
//!    sequence number lies in `[expected, expected + remaining_bytes / 16 + 1]`, whose length fits
//!    the file and whose CRC matches. Finding one means acknowledged data may sit behind the damage,
//!    so open fails with `Corrupt` instead of dropping it.
//! 3. Everything else is `Corrupt`: a bad header (segment files appear by rename only after their
//!    header is fsynced, so a short header is never a torn write), any bad frame in a sealed
//!    segment, a CRC-valid frame with the wrong sequence number, a gap in segment ids or sequence
//!    numbers between consecutive segments.

use std::fs;
use std::path::{Path, PathBuf};

use super::api::{ReplayStats, WalError};
use super::format::{
    self, BadFrame, FRAME_HEADER_LEN, FormatError, HEADER_LEN, SegmentHeader, TMP_SUFFIX,
};

/// What scanning one segment found.
#[derive(Debug)]
pub(crate) struct SegmentScan {
    pub header: SegmentHeader,
    pub records: u64,
    pub payload_bytes: u64,
    /// Length of the valid prefix of the file (the whole file unless a torn tail was found).
    pub valid_len: u64,
    /// The damage that was cut off as a torn tail (newest segment only).
    pub torn: Option<BadFrame>,
}

#[derive(Debug)]
pub(crate) enum ScanError {
    Corrupt(FormatError),
    Apply { seq: u64, reason: String },
}

fn corrupt(offset: usize, reason: String) -> ScanError {
    ScanError::Corrupt(FormatError {
        offset: offset as u64,
        reason,
    })
}

/// Scans one segment held in memory. `expected_first_seq` is the sequence number the previous
/// segment ended at (None for the oldest segment); `newest` enables the torn-tail rule.
pub(crate) fn scan_segment(
    file: &[u8],
    id: u64,
    expected_first_seq: Option<u64>,
    newest: bool,
    apply: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<SegmentScan, ScanError> {
    let header = SegmentHeader::decode(file).map_err(ScanError::Corrupt)?;
    if header.id != id {
        return Err(corrupt(
            12,
            format!(
                "header names segment {}, but the file name says {id}",
                header.id
            ),
        ));
    }
    if let Some(expected) = expected_first_seq {
        if header.first_seq != expected {
            return Err(corrupt(
                20,
                format!(
                    "sequence gap: the previous segment ends before record {expected}, this one starts at {}",
                    header.first_seq
                ),
            ));
        }
    }
    let mut scan = SegmentScan {
        header,
        records: 0,
        payload_bytes: 0,
        valid_len: 0,
        torn: None,
    };
    let mut off = HEADER_LEN;
    let mut seq = header.first_seq;
    while off < file.len() {
        match format::read_frame(file, off) {
            Ok(frame) => {
                if frame.seq != seq {
                    return Err(corrupt(
                        off + 4,
                        format!("record has sequence number {}, expected {seq}", frame.seq),
                    ));
                }
                apply(frame.payload).map_err(|reason| ScanError::Apply { seq, reason })?;
                scan.records += 1;
                scan.payload_bytes += frame.payload.len() as u64;
                seq = seq.wrapping_add(1);
                off = frame.end;
            }
            Err(bad) => {
                if !newest {
                    return Err(corrupt(
                        off,
                        format!(
                            "{bad} in a sealed segment (only the newest segment may end in a torn record)"
                        ),
                    ));
                }
                if let Some(at) = find_valid_frame(file, off + 1, seq) {
                    return Err(corrupt(
                        off,
                        format!(
                            "{bad}, but a valid record follows at offset {at}; refusing to drop acknowledged data"
                        ),
                    ));
                }
                scan.torn = Some(bad);
                break;
            }
        }
    }
    scan.valid_len = off as u64;
    Ok(scan)
}

/// The first offset at or after `from` holding a valid-looking frame (rule 2 of the module doc).
fn find_valid_frame(file: &[u8], from: usize, expected_seq: u64) -> Option<usize> {
    let remaining = file.len().saturating_sub(from);
    let max_records = (remaining / FRAME_HEADER_LEN) as u64 + 1;
    let seqs = expected_seq..=expected_seq.saturating_add(max_records);
    let last = file.len().checked_sub(FRAME_HEADER_LEN)?;
    (from..=last).find(|&p| {
        format::plausible_frame_at(file, p, seqs.clone()) && format::read_frame(file, p).is_ok()
    })
}

/// The result of replaying a WAL directory.
#[derive(Debug)]
pub(crate) struct Replayed {
    pub stats: ReplayStats,
    /// Sequence number the next record gets.
    pub next_seq: u64,
    /// Ids of the existing segments, ascending; all are sealed once the new segment exists.
    pub segment_ids: Vec<u64>,
}

fn io_err(path: &Path, source: std::io::Error) -> WalError {
    WalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Lists segment ids in `dir` (ascending) and removes leftover `*.wal.tmp` files.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<u64>, WalError> {
    let mut ids = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(id) = format::parse_segment_file_name(name) {
            ids.push(id);
        } else if name.ends_with(TMP_SUFFIX) {
            // A segment whose creation did not finish; it never held records.
            let path = entry.path();
            fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Replays every segment of `dir` through `apply` and cuts a torn tail (see module doc).
pub(crate) fn replay_dir(
    dir: &Path,
    apply: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<Replayed, WalError> {
    let ids = list_segments(dir)?;
    let mut stats = ReplayStats::default();
    let mut next_seq: Option<u64> = None;
    let mut prev_id: Option<u64> = None;
    for (i, &id) in ids.iter().enumerate() {
        let path: PathBuf = dir.join(format::segment_file_name(id));
        if let Some(prev) = prev_id {
            if prev.checked_add(1) != Some(id) {
                return Err(WalError::Corrupt {
                    path,
                    offset: 0,
                    reason: format!(
                        "segment ids jump from {prev} to {id}: segment file(s) missing"
                    ),
                });
            }
        }
        let newest = i + 1 == ids.len();
        let bytes = fs::read(&path).map_err(|e| io_err(&path, e))?;
        let scan = scan_segment(&bytes, id, next_seq, newest, apply).map_err(|e| match e {
            ScanError::Corrupt(f) => WalError::Corrupt {
                path: path.clone(),
                offset: f.offset,
                reason: f.reason,
            },
            ScanError::Apply { seq, reason } => WalError::Apply {
                path: path.clone(),
                seq,
                reason,
            },
        })?;
        stats.segments += 1;
        stats.records += scan.records;
        stats.bytes += scan.payload_bytes;
        next_seq = Some(scan.header.first_seq.wrapping_add(scan.records));
        prev_id = Some(id);
        if newest {
            // The newest segment becomes sealed once open starts a new one: make it durable (a
            // crash under SyncMode::None may have left it only in the page cache), cutting the
            // torn tail first.
            let file = fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| io_err(&path, e))?;
            if let Some(bad) = &scan.torn {
                tracing::warn!(path = %path.display(), valid_len = scan.valid_len, damage = %bad,
                    "wal: cutting torn tail of the newest segment");
                file.set_len(scan.valid_len).map_err(|e| io_err(&path, e))?;
                stats.truncated_tail = Some((path.clone(), scan.valid_len));
            }
            file.sync_all().map_err(|e| io_err(&path, e))?;
        }
    }
    Ok(Replayed {
        stats,
        next_seq: next_seq.unwrap_or(1),
        segment_ids: ids,
    })
}
