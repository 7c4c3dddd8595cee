//! Sketch columns: the present sketches' encodings ([`Sketch::encode`]: sparse bucket ids
//! delta-encoded, counts as varints), each prefixed by its varint length, concatenated and
//! compressed as one LZ4 block (`docs/format/sketch.md`).

use std::sync::Arc;

use super::bytes::{ByteReader, put_u32};
use super::error::DecodeError;
use super::strings::lz4_block;
use crate::sketch::{Sketch, SketchValues, put_varint};

/// Appends the encoding of `values` (zero values: zero bytes).
pub fn encode_sketches(values: &[Arc<Sketch>], out: &mut Vec<u8>) {
    if values.is_empty() {
        return;
    }
    let mut raw = Vec::with_capacity(values.len() * 32);
    let mut one = Vec::with_capacity(256);
    for s in values {
        one.clear();
        s.encode(&mut one);
        put_varint(&mut raw, one.len() as u64);
        raw.extend_from_slice(&one);
    }
    put_u32(out, raw.len() as u32);
    out.extend_from_slice(&lz4_flex::block::compress(&raw));
}

/// Appends the encoding of a column's values (the same bytes as [`encode_sketches`] of its rows;
/// rows kept encoded are copied, not re-encoded).
pub fn encode_sketch_values(values: &SketchValues, out: &mut Vec<u8>) {
    if values.is_empty() {
        return;
    }
    let mut raw = Vec::with_capacity(values.len() * 32);
    values.write_rows(&mut raw);
    put_u32(out, raw.len() as u32);
    out.extend_from_slice(&lz4_flex::block::compress(&raw));
}

/// Decodes exactly `n` sketches from `bytes`, kept encoded (one buffer, every row validated).
pub fn decode_sketch_values(bytes: &[u8], n: usize) -> Result<SketchValues, DecodeError> {
    if n == 0 {
        if !bytes.is_empty() {
            return Err(DecodeError::invalid(
                "sketches",
                format!("{} bytes for zero values", bytes.len()),
            ));
        }
        return Ok(SketchValues::new());
    }
    let mut r = ByteReader::new(bytes, "sketches");
    let raw_len = r.u32()? as usize;
    let block = r.take(r.remaining())?;
    let raw = lz4_block("sketches", block, raw_len)?;
    // Each sketch takes at least 11 bytes (length, version, accuracy, count).
    if n > raw.len() / 11 {
        return Err(DecodeError::invalid(
            "sketches",
            format!("{n} sketches cannot fit in {} bytes", raw.len()),
        ));
    }
    let ends = crate::sketch::column::validate_rows(&raw, n)
        .map_err(|e| DecodeError::invalid("sketches", e))?;
    SketchValues::from_encoded(raw, ends)
        .ok_or_else(|| DecodeError::invalid("sketches", "row ends out of order".to_string()))
}

/// Decodes exactly `n` sketches from `bytes` into `out` (cleared first).
pub fn decode_sketches(
    bytes: &[u8],
    n: usize,
    out: &mut Vec<Arc<Sketch>>,
) -> Result<(), DecodeError> {
    out.clear();
    if n == 0 {
        if !bytes.is_empty() {
            return Err(DecodeError::invalid(
                "sketches",
                format!("{} bytes for zero values", bytes.len()),
            ));
        }
        return Ok(());
    }
    let mut r = ByteReader::new(bytes, "sketches");
    let raw_len = r.u32()? as usize;
    let block = r.take(r.remaining())?;
    let raw = lz4_block("sketches", block, raw_len)?;
    // Each sketch takes at least 10 bytes (version, accuracy, count).
    if n > raw.len() / 10 {
        return Err(DecodeError::invalid(
            "sketches",
            format!("{n} sketches cannot fit in {} bytes", raw.len()),
        ));
    }
    out.reserve(n);
    let mut pos = 0;
    for i in 0..n {
        let (len, used) = varint(&raw[pos..])
            .ok_or_else(|| DecodeError::invalid("sketches", format!("sketch {i}: bad length")))?;
        pos += used;
        let end = pos
            .checked_add(len as usize)
            .filter(|&e| e <= raw.len())
            .ok_or_else(|| DecodeError::invalid("sketches", format!("sketch {i}: truncated")))?;
        let s = Sketch::decode(&raw[pos..end])
            .map_err(|e| DecodeError::invalid("sketches", format!("sketch {i}: {e}")))?;
        out.push(Arc::new(s));
        pos = end;
    }
    if pos != raw.len() {
        return Err(DecodeError::invalid(
            "sketches",
            format!("{} bytes after {n} sketches", raw.len() - pos),
        ));
    }
    Ok(())
}

/// A LEB128 varint at the start of `b`: the value and its length (`None`: truncated or > 10 bytes).
pub(crate) fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let mut a = Sketch::default();
        a.extend_from(&[1.0, 2.5, 300.0]);
        let b = Sketch::new(0.05).unwrap();
        let vals = vec![Arc::new(a), Arc::new(b), Sketch::empty_shared()];
        let mut out = Vec::new();
        encode_sketches(&vals, &mut out);
        let mut back = Vec::new();
        decode_sketches(&out, 3, &mut back).unwrap();
        assert_eq!(back, vals);
        assert!(decode_sketches(&out, 2, &mut back).is_err());
        assert!(decode_sketches(&out, 4, &mut back).is_err());
        for n in 0..out.len() {
            assert!(decode_sketches(&out[..n], 3, &mut back).is_err());
        }
        let mut empty = Vec::new();
        encode_sketches(&[], &mut empty);
        assert!(empty.is_empty());
        decode_sketches(&empty, 0, &mut back).unwrap();
    }
}
