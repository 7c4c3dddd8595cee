//! On-disk constants, the footer and the index: everything a reader validates before it trusts an
//! offset. Layout: `docs/format/segment.md`.

use std::ops::Range;

use crate::encoding::{
    ByteReader, DecodeError, EncodeError, decode_numbers, encode_numbers, put_blob, put_i64,
    put_u32, put_u64,
};
use crate::model::{FieldType, Timestamp};

/// First and last four bytes of every segment file.
pub const MAGIC: [u8; 4] = *b"TSEG";
/// The format version this code writes; it reads every version from 1 up to this one.
pub const VERSION: u32 = 1;
/// `magic (4) | version u32 (4)`.
pub const HEADER_LEN: usize = 8;
/// `index_offset u64 | index_len u64 | index_crc u32 | version u32 | magic (4)`.
pub const FOOTER_LEN: usize = 28;
/// Every column chunk ends with the CRC32 of its payload.
pub const CHUNK_CRC_LEN: usize = 4;
/// Largest accepted `row_group_rows`; bounds what a decoder allocates for one chunk.
pub const MAX_ROW_GROUP_ROWS: usize = 1 << 24;
/// Largest accepted number of field columns.
pub const MAX_FIELDS: usize = u16::MAX as usize;

/// Where a column chunk lives: `len` counts the payload and its trailing CRC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRef {
    pub offset: u64,
    pub len: u32,
}

impl ChunkRef {
    const ENCODED_LEN: usize = 12;
}

/// Zone map and chunk directory of one row group. `chunks[0]` is the series chunk, `chunks[1]` the
/// time chunk, `chunks[2 + i]` field `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowGroupMeta {
    pub rows: u32,
    pub min_series: u32,
    pub max_series: u32,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    pub chunks: Vec<ChunkRef>,
}

impl RowGroupMeta {
    const FIXED_LEN: usize = 4 + 4 + 4 + 8 + 8;
}

/// The series directory, one entry per series, ascending ids. A series' rows are the global rows
/// `starts[k]..starts[k + 1]`; since every row group but the last is full, its first row group and
/// offset are `starts[k] / row_group_rows` and `starts[k] % row_group_rows`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeriesDir {
    pub ids: Vec<u32>,
    pub starts: Vec<u64>,
    pub min_time: Vec<Timestamp>,
    pub max_time: Vec<Timestamp>,
}

impl SeriesDir {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn rows(&self, k: usize) -> Range<u64> {
        self.starts[k]..self.starts[k + 1]
    }
}

/// Everything the footer's index holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    pub row_group_rows: u32,
    pub rows: u64,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    pub fields: Vec<(String, FieldType)>,
    pub row_groups: Vec<RowGroupMeta>,
    pub series: SeriesDir,
}

impl Index {
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_u32(out, self.row_group_rows);
        put_u64(out, self.rows);
        put_i64(out, self.min_time);
        put_i64(out, self.max_time);
        out.extend_from_slice(&(self.fields.len() as u16).to_le_bytes());
        for (name, ty) in &self.fields {
            out.push(ty.to_u8());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        put_u32(out, self.row_groups.len() as u32);
        for rg in &self.row_groups {
            put_u32(out, rg.rows);
            put_u32(out, rg.min_series);
            put_u32(out, rg.max_series);
            put_i64(out, rg.min_time);
            put_i64(out, rg.max_time);
            for c in &rg.chunks {
                put_u64(out, c.offset);
                put_u32(out, c.len);
            }
        }
        let s = &self.series;
        put_u32(out, s.len() as u32);
        let mut prev = 0u32;
        let id_gaps: Vec<u32> = s
            .ids
            .iter()
            .map(|&id| {
                let gap = id.wrapping_sub(prev);
                prev = id;
                gap
            })
            .collect();
        let counts: Vec<u32> = s.starts.windows(2).map(|w| (w[1] - w[0]) as u32).collect();
        let spans: Vec<u64> = s
            .min_time
            .iter()
            .zip(&s.max_time)
            .map(|(&lo, &hi)| hi.wrapping_sub(lo) as u64)
            .collect();
        let mut blob = Vec::new();
        for part in 0..4 {
            blob.clear();
            match part {
                0 => encode_numbers(&id_gaps, &mut blob)?,
                1 => encode_numbers(&counts, &mut blob)?,
                2 => encode_numbers(&s.min_time, &mut blob)?,
                _ => encode_numbers(&spans, &mut blob)?,
            }
            put_blob(out, &blob);
        }
        Ok(())
    }

    /// Parses and cross-checks an index whose CRC already matched. `data_end` is the offset where
    /// the index starts: every chunk must lie in `HEADER_LEN..data_end`.
    pub fn parse(bytes: &[u8], data_end: u64) -> Result<Index, DecodeError> {
        const WHAT: &str = "segment index";
        let bad = |reason: String| DecodeError::invalid(WHAT, reason);
        let mut r = ByteReader::new(bytes, WHAT);
        let row_group_rows = r.u32()?;
        if row_group_rows == 0 || row_group_rows as usize > MAX_ROW_GROUP_ROWS {
            return Err(bad(format!(
                "row group size {row_group_rows} outside 1..={MAX_ROW_GROUP_ROWS}"
            )));
        }
        let rows = r.u64()?;
        let min_time = r.i64()?;
        let max_time = r.i64()?;
        let n_fields = r.u16()? as usize;
        let mut fields = Vec::with_capacity(n_fields.min(r.remaining() / 3));
        for i in 0..n_fields {
            let ty = r.u8()?;
            let ty = FieldType::from_u8(ty)
                .ok_or_else(|| bad(format!("field {i} has unknown type tag {ty}")))?;
            let len = r.u16()? as usize;
            let name = std::str::from_utf8(r.take(len)?)
                .map_err(|e| bad(format!("field {i} name is not UTF-8: {e}")))?;
            fields.push((name.to_owned(), ty));
        }
        let n_groups = r.u32()? as usize;
        let group_len = RowGroupMeta::FIXED_LEN + (2 + n_fields) * ChunkRef::ENCODED_LEN;
        if n_groups.saturating_mul(group_len) > r.remaining() {
            return Err(bad(format!(
                "{n_groups} row groups do not fit in the {} bytes left",
                r.remaining()
            )));
        }
        let mut row_groups = Vec::with_capacity(n_groups);
        let mut total = 0u64;
        for g in 0..n_groups {
            let rg_rows = r.u32()?;
            let last = g + 1 == n_groups;
            if rg_rows == 0 || rg_rows > row_group_rows || (!last && rg_rows != row_group_rows) {
                return Err(bad(format!(
                    "row group {g} has {rg_rows} rows (group size {row_group_rows})"
                )));
            }
            total += rg_rows as u64;
            let (min_series, max_series) = (r.u32()?, r.u32()?);
            let (rg_min, rg_max) = (r.i64()?, r.i64()?);
            if min_series > max_series || rg_min > rg_max || rg_min < min_time || rg_max > max_time
            {
                return Err(bad(format!("row group {g} has an inconsistent zone map")));
            }
            let mut chunks = Vec::with_capacity(2 + n_fields);
            for c in 0..2 + n_fields {
                let chunk = ChunkRef {
                    offset: r.u64()?,
                    len: r.u32()?,
                };
                let end = chunk.offset.checked_add(chunk.len as u64);
                if chunk.offset < HEADER_LEN as u64
                    || (chunk.len as usize) < CHUNK_CRC_LEN
                    || end.is_none_or(|e| e > data_end)
                {
                    return Err(bad(format!(
                        "row group {g} chunk {c} at {}+{} lies outside the data region {HEADER_LEN}..{data_end}",
                        chunk.offset, chunk.len
                    )));
                }
                chunks.push(chunk);
            }
            row_groups.push(RowGroupMeta {
                rows: rg_rows,
                min_series,
                max_series,
                min_time: rg_min,
                max_time: rg_max,
                chunks,
            });
        }
        if total != rows {
            return Err(bad(format!(
                "row groups hold {total} rows, header says {rows}"
            )));
        }
        let n_series = r.u32()? as usize;
        if n_series as u64 > rows {
            return Err(bad(format!("{n_series} series but only {rows} rows")));
        }
        let mut id_gaps: Vec<u32> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut min_times: Vec<i64> = Vec::new();
        let mut spans: Vec<u64> = Vec::new();
        decode_numbers("series directory ids", r.blob()?, n_series, &mut id_gaps)?;
        decode_numbers(
            "series directory row counts",
            r.blob()?,
            n_series,
            &mut counts,
        )?;
        decode_numbers(
            "series directory min times",
            r.blob()?,
            n_series,
            &mut min_times,
        )?;
        decode_numbers(
            "series directory time spans",
            r.blob()?,
            n_series,
            &mut spans,
        )?;
        r.finish()?;

        let mut series = SeriesDir {
            ids: Vec::with_capacity(n_series),
            starts: Vec::with_capacity(n_series + 1),
            min_time: min_times,
            max_time: Vec::with_capacity(n_series),
        };
        let mut id = 0u32;
        let mut start = 0u64;
        series.starts.push(0);
        for k in 0..n_series {
            if k > 0 && id_gaps[k] == 0 {
                return Err(bad(format!("series directory entry {k} repeats id {id}")));
            }
            id = id
                .checked_add(id_gaps[k])
                .ok_or_else(|| bad(format!("series directory entry {k} overflows u32")))?;
            series.ids.push(id);
            if counts[k] == 0 {
                return Err(bad(format!("series {id} has zero rows")));
            }
            start += counts[k] as u64;
            series.starts.push(start);
            let lo = series.min_time[k];
            let hi = lo
                .checked_add_unsigned(spans[k])
                .filter(|hi| *hi <= max_time && lo >= min_time)
                .ok_or_else(|| bad(format!("series {id} time range escapes the segment's")))?;
            series.max_time.push(hi);
        }
        if start != rows {
            return Err(bad(format!(
                "series directory covers {start} rows, segment has {rows}"
            )));
        }
        Ok(Index {
            row_group_rows,
            rows,
            min_time,
            max_time,
            fields,
            row_groups,
            series,
        })
    }
}

/// The fixed-size trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footer {
    pub index_offset: u64,
    pub index_len: u64,
    pub index_crc: u32,
    pub version: u32,
}

impl Footer {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u64(out, self.index_offset);
        put_u64(out, self.index_len);
        put_u32(out, self.index_crc);
        put_u32(out, self.version);
        out.extend_from_slice(&MAGIC);
    }

    /// Reads the last [`FOOTER_LEN`] bytes (the caller checked the length); `None` on a bad magic.
    pub fn decode(tail: &[u8]) -> Result<Option<Footer>, DecodeError> {
        let mut r = ByteReader::new(tail, "segment footer");
        let footer = Footer {
            index_offset: r.u64()?,
            index_len: r.u64()?,
            index_crc: r.u32()?,
            version: r.u32()?,
        };
        Ok((r.take(4)? == MAGIC).then_some(footer))
    }
}
