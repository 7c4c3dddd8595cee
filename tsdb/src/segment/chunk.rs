//! Column chunks of one row group: what the writer encodes and the reader decodes. A chunk payload
//! is followed on disk by its CRC32; this module sees payloads only (see `reader.rs`/`writer.rs`).

use crate::encoding::{
    ByteReader, DecodeError, EncodeError, TimeEncoding, decode_bits, decode_numbers,
    decode_presence, decode_sketch_values, decode_strings, decode_timestamps, encode_bits,
    encode_numbers, encode_presence, encode_sketch_values, encode_strings, encode_timestamps,
    put_blob, put_u32,
};
use crate::model::{BitVec, Column, ColumnValues, FieldType};

/// The timestamp transform the writer uses (the reader accepts every mode).
pub const TIME_ENCODING: TimeEncoding = TimeEncoding::RunDelta;

/// One field of the row group being built: presence bits for every row, values of present rows only.
#[derive(Debug)]
pub struct FieldBuf {
    pub present: BitVec,
    pub values: ColumnValues,
}

impl FieldBuf {
    pub fn new(ty: FieldType) -> Self {
        FieldBuf {
            present: BitVec::new(),
            values: ColumnValues::new(ty),
        }
    }

    pub fn clear(&mut self) {
        self.present = BitVec::new();
        self.values = ColumnValues::new(self.values.field_type());
    }

    /// Appends rows `from..to` of `src`, whose type the caller checked.
    pub fn extend(&mut self, src: &Column, from: usize, to: usize) {
        for i in from..to {
            self.present.push(src.present.get(i));
        }
        fn pick<T: Clone>(dst: &mut Vec<T>, src: &[T], present: &BitVec, from: usize, to: usize) {
            dst.extend(
                (from..to)
                    .filter(|&i| present.get(i))
                    .map(|i| src[i].clone()),
            );
        }
        let p = &src.present;
        match (&mut self.values, &src.values) {
            (ColumnValues::Float(d), ColumnValues::Float(s)) => pick(d, s, p, from, to),
            (ColumnValues::Integer(d), ColumnValues::Integer(s)) => pick(d, s, p, from, to),
            (ColumnValues::Unsigned(d), ColumnValues::Unsigned(s)) => pick(d, s, p, from, to),
            (ColumnValues::String(d), ColumnValues::String(s)) => pick(d, s, p, from, to),
            (ColumnValues::Boolean(d), ColumnValues::Boolean(s)) => pick(d, s, p, from, to),
            (ColumnValues::Sketch(d), ColumnValues::Sketch(s)) => d.extend_present(s, p, from, to),
            _ => {}
        }
    }
}

/// Series chunk: `u32 n_runs | blob(pco u32 id gaps) | pco u32 run lengths [rest]`. The first gap is
/// the first id itself; later gaps are positive.
pub fn encode_series_chunk(
    ids: &[u32],
    runs: &[u32],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    put_u32(out, ids.len() as u32);
    let mut prev = 0u32;
    let gaps: Vec<u32> = ids
        .iter()
        .map(|&id| {
            let g = id.wrapping_sub(prev);
            prev = id;
            g
        })
        .collect();
    let mut blob = Vec::new();
    encode_numbers(&gaps, &mut blob)?;
    put_blob(out, &blob);
    encode_numbers(runs, out)
}

/// Decodes a series chunk of a row group with `rows` rows into `(ids, runs)`, checking that ids
/// strictly increase, runs are positive and sum to `rows`.
pub fn decode_series_chunk(
    payload: &[u8],
    rows: usize,
) -> Result<(Vec<u32>, Vec<u32>), DecodeError> {
    let (mut ids, mut runs) = (Vec::new(), Vec::new());
    decode_series_chunk_into(payload, rows, &mut ids, &mut runs)?;
    Ok((ids, runs))
}

/// [`decode_series_chunk`] into reused vectors.
pub fn decode_series_chunk_into(
    payload: &[u8],
    rows: usize,
    ids: &mut Vec<u32>,
    runs: &mut Vec<u32>,
) -> Result<(), DecodeError> {
    const WHAT: &str = "series chunk";
    let mut r = ByteReader::new(payload, WHAT);
    let n = r.u32()? as usize;
    if n == 0 || n > rows {
        return Err(DecodeError::invalid(
            WHAT,
            format!("{n} series runs in a row group of {rows} rows"),
        ));
    }
    decode_numbers("series ids", r.blob()?, n, ids)?;
    decode_numbers("series runs", r.take(r.remaining())?, n, runs)?;
    let mut id = 0u32;
    for (k, gap) in ids.iter_mut().enumerate() {
        if k > 0 && *gap == 0 {
            return Err(DecodeError::invalid(
                WHAT,
                format!("run {k} repeats series id {id}"),
            ));
        }
        id = id
            .checked_add(*gap)
            .ok_or_else(|| DecodeError::invalid(WHAT, format!("run {k} overflows u32")))?;
        *gap = id;
    }
    let mut total = 0u64;
    let mut zero = false;
    for &x in runs.iter() {
        total += x as u64;
        zero |= x == 0;
    }
    if zero || total != rows as u64 {
        return Err(DecodeError::invalid(
            WHAT,
            format!("runs cover {total} rows (some maybe empty), group has {rows}"),
        ));
    }
    Ok(())
}

pub fn encode_time_chunk(ts: &[i64], runs: &[u32], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_timestamps(ts, runs, TIME_ENCODING, out)
}

pub fn decode_time_chunk(
    payload: &[u8],
    runs: &[u32],
    rows: usize,
) -> Result<Vec<i64>, DecodeError> {
    let mut ts = Vec::new();
    decode_timestamps(payload, runs, rows, &mut ts)?;
    Ok(ts)
}

/// Field chunk: presence (`u8 kind` + bits when mixed) then the present values in the type's codec.
pub fn encode_field_chunk(buf: &FieldBuf, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_presence(&buf.present, out);
    match &buf.values {
        ColumnValues::Float(v) => encode_numbers(v, out),
        ColumnValues::Integer(v) => encode_numbers(v, out),
        ColumnValues::Unsigned(v) => encode_numbers(v, out),
        ColumnValues::String(v) => encode_strings(v, out).map(|_| ()),
        ColumnValues::Boolean(v) => {
            encode_bits(v.iter().copied(), out);
            Ok(())
        }
        ColumnValues::Sketch(v) => {
            encode_sketch_values(v, out);
            Ok(())
        }
    }
}

/// Decodes a field chunk over `rows` rows into a dense [`Column`] (absent rows hold defaults).
pub fn decode_field_chunk(
    payload: &[u8],
    ty: FieldType,
    rows: usize,
) -> Result<Column, DecodeError> {
    let mut r = ByteReader::new(payload, "field chunk");
    let present = decode_presence(&mut r, rows)?;
    let k = present.count_ones();
    let rest = r.take(r.remaining())?;
    let values = match ty {
        FieldType::Float => {
            let mut v = Vec::new();
            decode_numbers("float values", rest, k, &mut v)?;
            ColumnValues::Float(spread(v, &present))
        }
        FieldType::Integer => {
            let mut v = Vec::new();
            decode_numbers("integer values", rest, k, &mut v)?;
            ColumnValues::Integer(spread(v, &present))
        }
        FieldType::Unsigned => {
            let mut v = Vec::new();
            decode_numbers("unsigned values", rest, k, &mut v)?;
            ColumnValues::Unsigned(spread(v, &present))
        }
        FieldType::String => {
            let mut v = Vec::new();
            decode_strings(rest, k, &mut v)?;
            ColumnValues::String(spread(v, &present))
        }
        FieldType::Boolean => {
            let mut v = Vec::new();
            decode_bits("boolean values", rest, k, &mut v)?;
            ColumnValues::Boolean(spread(v, &present))
        }
        FieldType::Sketch => ColumnValues::Sketch(decode_sketch_values(rest, k)?.spread(&present)),
    };
    Ok(Column { values, present })
}

/// [`decode_field_chunk`] into a reused column of the chunk's type (its values' allocation is kept).
pub fn decode_field_chunk_into(
    payload: &[u8],
    rows: usize,
    col: &mut Column,
) -> Result<(), DecodeError> {
    let mut r = ByteReader::new(payload, "field chunk");
    let present = decode_presence(&mut r, rows)?;
    let k = present.count_ones();
    let rest = r.take(r.remaining())?;
    match &mut col.values {
        ColumnValues::Float(v) => {
            decode_numbers("float values", rest, k, v)?;
            spread_in_place(v, &present);
        }
        ColumnValues::Integer(v) => {
            decode_numbers("integer values", rest, k, v)?;
            spread_in_place(v, &present);
        }
        ColumnValues::Unsigned(v) => {
            decode_numbers("unsigned values", rest, k, v)?;
            spread_in_place(v, &present);
        }
        ColumnValues::String(v) => {
            v.clear();
            decode_strings(rest, k, v)?;
            spread_in_place(v, &present);
        }
        ColumnValues::Boolean(v) => {
            v.clear();
            decode_bits("boolean values", rest, k, v)?;
            spread_in_place(v, &present);
        }
        ColumnValues::Sketch(v) => *v = decode_sketch_values(rest, k)?.spread(&present),
    }
    col.present = present;
    Ok(())
}

fn spread_in_place<T: Default>(v: &mut Vec<T>, present: &BitVec) {
    let taken = std::mem::take(v);
    *v = spread(taken, present);
}

/// Spreads the values of present rows (`v.len() == present.count_ones()`) over all rows in place,
/// leaving the type's default in absent rows.
fn spread<T: Default>(v: Vec<T>, present: &BitVec) -> Vec<T> {
    spread_with(v, present, T::default)
}

/// [`spread`] with `fill` making the absent rows' values.
fn spread_with<T>(mut v: Vec<T>, present: &BitVec, fill: impl FnMut() -> T) -> Vec<T> {
    let n = present.len();
    if v.len() == n {
        return v;
    }
    let mut j = v.len();
    v.resize_with(n, fill);
    // Invariant: before row i, slots 0..j hold the first j present values and slots j..=i hold
    // defaults; a present row takes the last unplaced value and leaves a default behind.
    for i in (0..n).rev() {
        if present.get(i) && j > 0 {
            j -= 1;
            v.swap(i, j);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn spread_places_values_in_present_rows(bits in proptest::collection::vec(any::<bool>(), 0..200)) {
            let mut present = BitVec::new();
            for &b in &bits {
                present.push(b);
            }
            let values: Vec<u32> = (1..=present.count_ones() as u32).collect();
            let out = spread(values, &present);
            let mut next = 1;
            for (i, &b) in bits.iter().enumerate() {
                if b {
                    prop_assert_eq!(out[i], next);
                    next += 1;
                } else {
                    prop_assert_eq!(out[i], 0);
                }
            }
        }
    }
}
