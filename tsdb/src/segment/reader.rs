//! [`Segment`]: validates a sealed file, then answers series reads and scans by decoding only the
//! row groups and column chunks a request touches.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use roaring::RoaringBitmap;

use crate::encoding::DecodeError;
use crate::mmap::Mapped;
use crate::model::{Column, ColumnValues, FieldType, SeriesId, Timestamp};

use super::chunk::{decode_field_chunk, decode_series_chunk, decode_time_chunk};
use super::format::{CHUNK_CRC_LEN, FOOTER_LEN, Footer, HEADER_LEN, Index, MAGIC, VERSION};
use super::{RowBatch, SegmentError, SegmentMeta, SeriesRows};

/// A sealed, memory-mapped segment.
#[derive(Clone)]
pub struct Segment {
    path: PathBuf,
    bytes: Mapped,
    index: Arc<Index>,
    /// Unique for the life of the process: keys this segment's entries in a
    /// [`super::ChunkCache`].
    uid: u64,
}

/// The next [`Segment::uid`].
static NEXT_UID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("path", &self.path)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Segment {
    /// Maps and validates (length, magic, version, footer checksum) the segment at `path`.
    pub fn open(path: &Path) -> Result<Segment, SegmentError> {
        let bytes = Mapped::open(path).map_err(|source| SegmentError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Validates and wraps bytes already in memory; `path` is only used in error messages.
    pub fn from_bytes(path: &Path, bytes: Mapped) -> Result<Segment, SegmentError> {
        let index = parse(path, &bytes)?;
        // Validation read the footer and index pages; scans fault in the chunks they decode.
        bytes.release_pages();
        Ok(Segment {
            path: path.to_owned(),
            bytes,
            index: Arc::new(index),
            uid: NEXT_UID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// This open segment's process-unique id (two opens of one file get two ids).
    pub fn uid(&self) -> u64 {
        self.uid
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The field columns, in file order.
    pub fn fields(&self) -> &[(String, FieldType)] {
        &self.index.fields
    }

    pub fn meta(&self) -> SegmentMeta {
        SegmentMeta {
            rows: self.index.rows,
            series: self.index.series.len() as u32,
            min_time: self.index.min_time,
            max_time: self.index.max_time,
            bytes: self.bytes.len() as u64,
        }
    }

    /// Number of row groups (for tests, benches and query planning).
    pub fn row_groups(&self) -> usize {
        self.index.row_groups.len()
    }

    /// Every series id with rows in this segment, ascending.
    pub fn series_ids(&self) -> Vec<SeriesId> {
        self.index
            .series
            .ids
            .iter()
            .map(|&id| SeriesId(id))
            .collect()
    }

    /// Rows of `series` with `min_time <= t <= max_time`, decoding only the fields at indices
    /// `fields` (into [`Segment::fields`]); `None` when the series has no row in range.
    pub fn read_series(
        &self,
        series: SeriesId,
        min_time: Timestamp,
        max_time: Timestamp,
        fields: &[usize],
    ) -> Result<Option<SeriesRows>, SegmentError> {
        let types = self.field_types(fields)?;
        let dir = &self.index.series;
        let Ok(k) = dir.ids.binary_search(&series.get()) else {
            return Ok(None);
        };
        if dir.max_time[k] < min_time || dir.min_time[k] > max_time {
            return Ok(None);
        }
        let rows = dir.rows(k);
        let per_group = self.index.row_group_rows as u64;
        let mut out = SeriesRows {
            series,
            timestamps: Vec::new(),
            columns: types.iter().map(|&t| Column::new(t)).collect(),
        };
        for g in (rows.start / per_group)..=((rows.end - 1) / per_group) {
            let g = g as usize;
            let group_start = g as u64 * per_group;
            let local = (rows.start.max(group_start) - group_start) as usize
                ..(rows.end - group_start).min(per_group) as usize;
            let meta = self.group(g)?;
            if meta.max_time < min_time || meta.min_time > max_time {
                continue;
            }
            let (ids, runs) = self.decode_series(g)?;
            if run_at(&ids, &runs, local.start).is_none_or(|id| id != series.get())
                || local.end > meta.rows as usize
            {
                return Err(self.corrupt(format!(
                    "row group {g} disagrees with the series directory about series {}",
                    series.get()
                )));
            }
            let ts = self.decode_time(g, &runs)?;
            let sel = time_range(&ts[local.clone()], min_time, max_time);
            if sel.is_empty() {
                continue;
            }
            let sel = local.start + sel.start..local.start + sel.end;
            out.timestamps.extend_from_slice(&ts[sel.clone()]);
            for (col, &f) in out.columns.iter_mut().zip(fields) {
                let decoded = self.decode_field(g, f, meta.rows as usize)?;
                append_ranges(col, decoded, std::slice::from_ref(&sel));
            }
        }
        Ok((!out.timestamps.is_empty()).then_some(out))
    }

    /// Scans the row groups overlapping `[min_time, max_time]` and holding any series of `series`
    /// (all series when `None`); calls `f` with each row group's matching rows, in file order.
    pub fn scan(
        &self,
        series: Option<&RoaringBitmap>,
        min_time: Timestamp,
        max_time: Timestamp,
        fields: &[usize],
        f: &mut dyn FnMut(RowBatch) -> Result<(), SegmentError>,
    ) -> Result<(), SegmentError> {
        let types = self.field_types(fields)?;
        if min_time > max_time {
            return Ok(());
        }
        for (g, meta) in self.index.row_groups.iter().enumerate() {
            if meta.max_time < min_time || meta.min_time > max_time {
                continue;
            }
            if series.is_some_and(|b| b.range_cardinality(meta.min_series..=meta.max_series) == 0) {
                continue;
            }
            let (ids, runs) = self.decode_series(g)?;
            let ts = self.decode_time(g, &runs)?;
            // Matching rows as ranges, one per selected run at most (times ascend within a run).
            let mut ranges: Vec<Range<usize>> = Vec::new();
            let mut run_ids: Vec<u32> = Vec::new();
            let mut start = 0usize;
            for (&id, &run) in ids.iter().zip(&runs) {
                let end = start + run as usize;
                if series.is_none_or(|b| b.contains(id)) {
                    let r = time_range(&ts[start..end], min_time, max_time);
                    if !r.is_empty() {
                        ranges.push(start + r.start..start + r.end);
                        run_ids.push(id);
                    }
                }
                start = end;
            }
            if ranges.is_empty() {
                continue;
            }
            let selected: usize = ranges.iter().map(|r| r.len()).sum();
            let mut batch = RowBatch {
                series: Vec::with_capacity(selected),
                timestamps: Vec::with_capacity(selected),
                columns: Vec::with_capacity(fields.len()),
            };
            for (r, &id) in ranges.iter().zip(&run_ids) {
                batch
                    .series
                    .extend(std::iter::repeat_n(SeriesId(id), r.len()));
                batch.timestamps.extend_from_slice(&ts[r.clone()]);
            }
            for (&fi, &ty) in fields.iter().zip(&types) {
                let decoded = self.decode_field(g, fi, meta.rows as usize)?;
                if selected == meta.rows as usize {
                    batch.columns.push(decoded);
                } else {
                    let mut col = Column::new(ty);
                    append_ranges(&mut col, decoded, &ranges);
                    batch.columns.push(col);
                }
            }
            f(batch)?;
        }
        Ok(())
    }

    fn field_types(&self, fields: &[usize]) -> Result<Vec<FieldType>, SegmentError> {
        fields
            .iter()
            .map(|&i| {
                self.index.fields.get(i).map(|(_, t)| *t).ok_or_else(|| {
                    SegmentError::Usage(format!(
                        "field index {i} out of range; {} has {} fields",
                        self.path.display(),
                        self.index.fields.len()
                    ))
                })
            })
            .collect()
    }

    pub(super) fn index(&self) -> &Index {
        &self.index
    }

    pub(super) fn group(&self, g: usize) -> Result<&super::format::RowGroupMeta, SegmentError> {
        self.index.row_groups.get(g).ok_or_else(|| {
            self.corrupt(format!("series directory points at missing row group {g}"))
        })
    }

    pub(super) fn corrupt(&self, reason: String) -> SegmentError {
        SegmentError::Corrupt {
            path: self.path.clone(),
            reason,
        }
    }

    /// The payload of chunk `c` of row group `g`, after checking its CRC.
    pub(super) fn chunk(&self, g: usize, c: usize) -> Result<&[u8], SegmentError> {
        let cref = self
            .group(g)?
            .chunks
            .get(c)
            .copied()
            .ok_or_else(|| self.corrupt(format!("row group {g} has no chunk {c}")))?;
        let start = cref.offset as usize;
        let bytes = self
            .bytes
            .get(start..start + cref.len as usize)
            .ok_or_else(|| {
                self.corrupt(format!(
                    "chunk at {start}+{} lies past the end of the file",
                    cref.len
                ))
            })?;
        let (payload, crc) = bytes.split_at(bytes.len() - CHUNK_CRC_LEN);
        let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let actual = crc32fast::hash(payload);
        if stored != actual {
            return Err(self.corrupt(format!(
                "row group {g} chunk {c} at offset {start}: CRC32 {actual:#010x} does not match stored {stored:#010x}"
            )));
        }
        Ok(payload)
    }

    pub(super) fn decode_err(&self, g: usize, c: usize, e: DecodeError) -> SegmentError {
        let at = self
            .index
            .row_groups
            .get(g)
            .and_then(|m| m.chunks.get(c))
            .map_or(0, |r| r.offset);
        self.corrupt(format!("row group {g} chunk {c} at offset {at}: {e}"))
    }

    fn decode_series(&self, g: usize) -> Result<(Vec<u32>, Vec<u32>), SegmentError> {
        let meta = self.group(g)?;
        let (ids, runs) = decode_series_chunk(self.chunk(g, 0)?, meta.rows as usize)
            .map_err(|e| self.decode_err(g, 0, e))?;
        if ids.first() != Some(&meta.min_series) || ids.last() != Some(&meta.max_series) {
            return Err(self.corrupt(format!(
                "row group {g}: series ids disagree with the zone map"
            )));
        }
        Ok((ids, runs))
    }

    fn decode_time(&self, g: usize, runs: &[u32]) -> Result<Vec<Timestamp>, SegmentError> {
        let meta = self.group(g)?;
        decode_time_chunk(self.chunk(g, 1)?, runs, meta.rows as usize)
            .map_err(|e| self.decode_err(g, 1, e))
    }

    fn decode_field(&self, g: usize, field: usize, rows: usize) -> Result<Column, SegmentError> {
        let ty = self
            .index
            .fields
            .get(field)
            .map(|f| f.1)
            .ok_or_else(|| self.corrupt(format!("no field {field}")))?;
        decode_field_chunk(self.chunk(g, 2 + field)?, ty, rows)
            .map_err(|e| self.decode_err(g, 2 + field, e))
    }
}

/// Validates length, magic, version and the index CRC, then parses the index.
fn parse(path: &Path, bytes: &[u8]) -> Result<Index, SegmentError> {
    let corrupt = |reason: String| SegmentError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let len = bytes.len();
    if len < HEADER_LEN + FOOTER_LEN {
        return Err(corrupt(format!(
            "file is {len} bytes, shorter than header and footer ({})",
            HEADER_LEN + FOOTER_LEN
        )));
    }
    if bytes[..4] != MAGIC {
        return Err(corrupt(format!(
            "bad magic {:02x?} at offset 0, expected {MAGIC:02x?}",
            &bytes[..4]
        )));
    }
    let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if version == 0 || version > VERSION {
        return Err(SegmentError::UnsupportedVersion {
            path: path.to_owned(),
            version,
        });
    }
    let footer_at = len - FOOTER_LEN;
    let footer = Footer::decode(&bytes[footer_at..])
        .map_err(|e| corrupt(e.to_string()))?
        .ok_or_else(|| {
            corrupt(format!(
                "bad footer magic at offset {}; file truncated?",
                len - 4
            ))
        })?;
    if footer.version != version {
        return Err(corrupt(format!(
            "footer version {} differs from header version {version}",
            footer.version
        )));
    }
    let index_end = footer.index_offset.checked_add(footer.index_len);
    if footer.index_offset < HEADER_LEN as u64 || index_end != Some(footer_at as u64) {
        return Err(corrupt(format!(
            "index at {}+{} does not end where the footer starts ({footer_at})",
            footer.index_offset, footer.index_len
        )));
    }
    let index_bytes = &bytes[footer.index_offset as usize..footer_at];
    let crc = crc32fast::hash(index_bytes);
    if crc != footer.index_crc {
        return Err(corrupt(format!(
            "index CRC32 {crc:#010x} does not match stored {:#010x}",
            footer.index_crc
        )));
    }
    Index::parse(index_bytes, footer.index_offset)
        .map_err(|e| corrupt(format!("at offset {}: {e}", footer.index_offset)))
}

/// The id of the run holding row `row`.
fn run_at(ids: &[u32], runs: &[u32], row: usize) -> Option<u32> {
    let mut end = 0usize;
    for (&id, &run) in ids.iter().zip(runs) {
        end += run as usize;
        if row < end {
            return Some(id);
        }
    }
    None
}

/// The sub-range of ascending `ts` with `min <= t <= max`.
fn time_range(ts: &[Timestamp], min: Timestamp, max: Timestamp) -> Range<usize> {
    let lo = ts.partition_point(|&t| t < min);
    let hi = ts.partition_point(|&t| t <= max).max(lo);
    lo..hi
}

/// Appends rows `ranges` of `src` to `dst` (same type), moving values out of `src`.
fn append_ranges(dst: &mut Column, mut src: Column, ranges: &[Range<usize>]) {
    fn take<T: Default>(d: &mut Vec<T>, s: &mut [T], ranges: &[Range<usize>]) {
        for r in ranges {
            d.extend(s[r.clone()].iter_mut().map(std::mem::take));
        }
    }
    for r in ranges {
        for i in r.clone() {
            dst.present.push(src.present.get(i));
        }
    }
    match (&mut dst.values, &mut src.values) {
        (ColumnValues::Float(d), ColumnValues::Float(s)) => take(d, s, ranges),
        (ColumnValues::Integer(d), ColumnValues::Integer(s)) => take(d, s, ranges),
        (ColumnValues::Unsigned(d), ColumnValues::Unsigned(s)) => take(d, s, ranges),
        (ColumnValues::String(d), ColumnValues::String(s)) => take(d, s, ranges),
        (ColumnValues::Boolean(d), ColumnValues::Boolean(s)) => take(d, s, ranges),
        (ColumnValues::Sketch(d), ColumnValues::Sketch(s)) => {
            for r in ranges {
                d.extend_rows(s, r.clone());
            }
        }
        _ => {}
    }
    debug_assert_eq!(dst.present.len(), dst.values.len());
}
