//! [`SegmentWriter`]: buffers one row group at a time, writes its chunks, and seals the file with
//! the index and footer.
//!
//! Durability: the file is written as `<path>.tmp`; [`SegmentWriter::finish`] fsyncs it, renames it
//! to `<path>` and fsyncs the directory, so after `finish` returns the segment survives a power loss
//! and a crash at any earlier point leaves at most a stale `.tmp` file (never a partial `<path>`).
//! Dropping an unfinished writer removes its `.tmp` file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::encoding::EncodeError;
use crate::model::{Column, FieldType, SeriesId, Timestamp};

use super::chunk::{FieldBuf, encode_field_chunk, encode_series_chunk, encode_time_chunk};
use super::format::{
    ChunkRef, Footer, HEADER_LEN, Index, MAGIC, MAX_FIELDS, MAX_ROW_GROUP_ROWS, RowGroupMeta,
    SeriesDir, VERSION,
};
use super::{SegmentError, SegmentMeta, SegmentOptions};

/// Builds a segment file from rows given in (series id, time) order.
pub struct SegmentWriter {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
    fields: Vec<(String, FieldType)>,
    row_group_rows: usize,
    offset: u64,
    // The row group being built.
    ids: Vec<u32>,
    runs: Vec<u32>,
    ts: Vec<Timestamp>,
    bufs: Vec<FieldBuf>,
    // Everything the index needs.
    row_groups: Vec<RowGroupMeta>,
    series: SeriesDir,
    last_series: Option<u32>,
    scratch: Vec<u8>,
}

impl SegmentWriter {
    /// Creates a new segment file at `path` (which must not exist) whose field columns are `fields`.
    pub fn create(
        path: &Path,
        fields: &[(String, FieldType)],
        opts: SegmentOptions,
    ) -> Result<Self, SegmentError> {
        if opts.row_group_rows == 0 || opts.row_group_rows > MAX_ROW_GROUP_ROWS {
            return Err(SegmentError::Usage(format!(
                "row_group_rows is {}, must be in 1..={MAX_ROW_GROUP_ROWS}",
                opts.row_group_rows
            )));
        }
        if fields.len() > MAX_FIELDS {
            return Err(SegmentError::Usage(format!(
                "{} fields, at most {MAX_FIELDS} allowed",
                fields.len()
            )));
        }
        if let Some((name, _)) = fields.iter().find(|(n, _)| n.len() > u16::MAX as usize) {
            return Err(SegmentError::Usage(format!(
                "field name of {} bytes is too long",
                name.len()
            )));
        }
        if path.exists() {
            return Err(SegmentError::Usage(format!(
                "segment {} already exists",
                path.display()
            )));
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let io = |source| SegmentError::Io {
            path: tmp.clone(),
            source,
        };
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io)?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(&MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        file.write_all(&header).map_err(io)?;
        Ok(SegmentWriter {
            path: path.to_owned(),
            tmp,
            file: Some(file),
            fields: fields.to_vec(),
            row_group_rows: opts.row_group_rows,
            offset: HEADER_LEN as u64,
            ids: Vec::new(),
            runs: Vec::new(),
            ts: Vec::with_capacity(opts.row_group_rows),
            bufs: fields.iter().map(|(_, ty)| FieldBuf::new(*ty)).collect(),
            row_groups: Vec::new(),
            series: SeriesDir {
                starts: vec![0],
                ..SeriesDir::default()
            },
            last_series: None,
            scratch: Vec::new(),
        })
    }

    /// Appends the rows of one series. Series ids strictly increase across calls, `timestamps`
    /// strictly increase, `columns` has one column per field (in `fields` order) with
    /// `timestamps.len()` rows each. A call with no rows is a no-op.
    pub fn append_series(
        &mut self,
        series: SeriesId,
        timestamps: &[Timestamp],
        columns: &[Column],
    ) -> Result<(), SegmentError> {
        let n = timestamps.len();
        if n == 0 {
            return Ok(());
        }
        let id = series.get();
        if self.last_series.is_some_and(|last| id <= last) {
            return Err(SegmentError::Usage(format!(
                "series {id} appended after series {}; ids must strictly increase",
                self.last_series.unwrap_or_default()
            )));
        }
        if n > u32::MAX as usize {
            return Err(SegmentError::Usage(format!(
                "series {id} has {n} rows, at most {} allowed",
                u32::MAX
            )));
        }
        if let Some(w) = timestamps.windows(2).position(|w| w[0] >= w[1]) {
            return Err(SegmentError::Usage(format!(
                "series {id}: timestamp {} at row {} does not follow {}; times must strictly increase",
                timestamps[w + 1],
                w + 1,
                timestamps[w]
            )));
        }
        if columns.len() != self.fields.len() {
            return Err(SegmentError::Usage(format!(
                "{} columns for {} fields",
                columns.len(),
                self.fields.len()
            )));
        }
        for (c, (name, ty)) in columns.iter().zip(&self.fields) {
            if c.field_type() != *ty || c.len() != n || c.values.len() != n {
                return Err(SegmentError::Usage(format!(
                    "column {name}: {} with {} rows ({} values), expected {ty} with {n}",
                    c.field_type(),
                    c.len(),
                    c.values.len()
                )));
            }
        }
        self.last_series = Some(id);
        let start = self.series.starts.last().copied().unwrap_or(0);
        self.series.ids.push(id);
        self.series.starts.push(start + n as u64);
        self.series.min_time.push(timestamps[0]);
        self.series.max_time.push(timestamps[n - 1]);

        let mut from = 0;
        while from < n {
            let room = self.row_group_rows - self.ts.len();
            let to = n.min(from + room);
            self.ids.push(id);
            self.runs.push((to - from) as u32);
            self.ts.extend_from_slice(&timestamps[from..to]);
            for (buf, col) in self.bufs.iter_mut().zip(columns) {
                buf.extend(col, from, to);
            }
            if self.ts.len() == self.row_group_rows {
                self.flush_row_group()?;
            }
            from = to;
        }
        Ok(())
    }

    fn flush_row_group(&mut self) -> Result<(), SegmentError> {
        let rows = self.ts.len();
        if rows == 0 {
            return Ok(());
        }
        let mut chunks = Vec::with_capacity(2 + self.bufs.len());
        let mut scratch = std::mem::take(&mut self.scratch);
        for c in 0..2 + self.bufs.len() {
            scratch.clear();
            match c {
                0 => encode_series_chunk(&self.ids, &self.runs, &mut scratch),
                1 => encode_time_chunk(&self.ts, &self.runs, &mut scratch),
                f => encode_field_chunk(&self.bufs[f - 2], &mut scratch),
            }
            .map_err(|e| self.encode_error(e))?;
            let crc = crc32fast::hash(&scratch);
            scratch.extend_from_slice(&crc.to_le_bytes());
            chunks.push(ChunkRef {
                offset: self.offset,
                len: scratch.len() as u32,
            });
            self.write(&scratch)?;
        }
        self.scratch = scratch;
        let (min_time, max_time) = self
            .ts
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        self.row_groups.push(RowGroupMeta {
            rows: rows as u32,
            min_series: self.ids.first().copied().unwrap_or(0),
            max_series: self.ids.last().copied().unwrap_or(0),
            min_time,
            max_time,
            chunks,
        });
        self.ids.clear();
        self.runs.clear();
        self.ts.clear();
        for b in &mut self.bufs {
            b.clear();
        }
        Ok(())
    }

    fn encode_error(&self, e: EncodeError) -> SegmentError {
        SegmentError::Usage(format!(
            "cannot encode a column of {}: {e}",
            self.tmp.display()
        ))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SegmentError> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| SegmentError::Usage("writer already finished".into()))?;
        file.write_all(bytes).map_err(|source| SegmentError::Io {
            path: self.tmp.clone(),
            source,
        })?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Writes the footer (magic, version, checksum), fsyncs the file and returns its summary.
    ///
    /// A segment needs at least one row: finishing an empty writer returns [`SegmentError::Usage`]
    /// and removes the temporary file (an empty flush has nothing to seal).
    pub fn finish(mut self) -> Result<SegmentMeta, SegmentError> {
        self.flush_row_group()?;
        let rows = self.series.starts.last().copied().unwrap_or(0);
        if rows == 0 {
            return Err(SegmentError::Usage(format!(
                "segment {} has no rows; nothing to seal",
                self.path.display()
            )));
        }
        let min_time = self
            .row_groups
            .iter()
            .map(|g| g.min_time)
            .min()
            .unwrap_or(0);
        let max_time = self
            .row_groups
            .iter()
            .map(|g| g.max_time)
            .max()
            .unwrap_or(0);
        let index = Index {
            row_group_rows: self.row_group_rows as u32,
            rows,
            min_time,
            max_time,
            fields: std::mem::take(&mut self.fields),
            row_groups: std::mem::take(&mut self.row_groups),
            series: std::mem::take(&mut self.series),
        };
        let mut bytes = Vec::new();
        index.encode(&mut bytes).map_err(|e| self.encode_error(e))?;
        let footer = Footer {
            index_offset: self.offset,
            index_len: bytes.len() as u64,
            index_crc: crc32fast::hash(&bytes),
            version: VERSION,
        };
        footer.encode(&mut bytes);
        self.write(&bytes)?;

        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SegmentError::Io { path, source }
        };
        let file = self
            .file
            .take()
            .ok_or_else(|| SegmentError::Usage("writer already finished".into()))?;
        let file = file
            .into_inner()
            .map_err(|e| io(&self.tmp)(e.into_error()))?;
        file.sync_all().map_err(io(&self.tmp))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(io(&self.path))?;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))?;
        Ok(SegmentMeta {
            rows,
            series: index.series.len() as u32,
            min_time,
            max_time,
            bytes: self.offset,
        })
    }
}

impl Drop for SegmentWriter {
    fn drop(&mut self) {
        // `finish` takes the file before renaming; a writer that still holds it was abandoned (or
        // failed) and its temporary file is garbage.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
