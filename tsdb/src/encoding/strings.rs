//! Strings: a dictionary of distinct values plus pco-coded indices, or plain LZ4 when values
//! rarely repeat.
//!
//! Layout (nothing at all when `n == 0`), all integers u32 little-endian:
//! ```text
//! mode 0 Dictionary: u8 0 | n_dict | raw_len | blob_len | lz4(raw)[blob_len] | pco(codes as u32)[rest]
//! mode 1 Plain:      u8 1 | raw_len | lz4(raw)[rest]
//! raw = len_0 .. len_k-1 (u32 each) then the UTF-8 bytes of the k strings back to back
//! ```
//! Dictionary entries appear in first-seen order; each code is `< n_dict`.
//!
//! Choice: the dictionary when the distinct count is at most half the values (every value repeats
//! twice on average), plain otherwise. On the email `status` column (5 skewed values, 16 Ki-row
//! groups), the dictionary with pco codes costs 0.24 bytes per value, LZ4 of one-byte codes 0.67 and
//! plain LZ4 2.08 (`benches/segment.rs`, see `docs/format/segment.md`), so codes go through pco.

use std::collections::HashMap;

use super::bytes::put_u32;
use super::{ByteReader, DecodeError, EncodeError, decode_numbers, encode_numbers};

const DICT: u8 = 0;
const PLAIN: u8 = 1;
/// LZ4 expands at most ~255x; a declared raw length beyond this bound is corrupt.
const LZ4_MAX_RATIO: usize = 255;

/// Which layout [`encode_strings`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringEncoding {
    Dictionary,
    Plain,
}

/// Appends the strings `values`; returns the layout chosen.
pub fn encode_strings<S: AsRef<str>>(
    values: &[S],
    out: &mut Vec<u8>,
) -> Result<Option<StringEncoding>, EncodeError> {
    if values.is_empty() {
        return Ok(None);
    }
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut dict: Vec<&str> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(values.len());
    for v in values {
        let s = v.as_ref();
        let next = dict.len() as u32;
        let code = *ids.entry(s).or_insert_with(|| {
            dict.push(s);
            next
        });
        codes.push(code);
    }
    if dict.len() * 2 <= values.len() {
        out.push(DICT);
        put_u32(out, dict.len() as u32);
        let raw = pack(&dict);
        put_u32(out, raw.len() as u32);
        let block = lz4_flex::block::compress(&raw);
        put_u32(out, block.len() as u32);
        out.extend_from_slice(&block);
        encode_numbers(&codes, out)?;
        Ok(Some(StringEncoding::Dictionary))
    } else {
        out.push(PLAIN);
        let raw = pack(values);
        put_u32(out, raw.len() as u32);
        out.extend_from_slice(&lz4_flex::block::compress(&raw));
        Ok(Some(StringEncoding::Plain))
    }
}

fn pack<S: AsRef<str>>(values: &[S]) -> Vec<u8> {
    let bytes: usize = values.iter().map(|s| s.as_ref().len()).sum();
    let mut raw = Vec::with_capacity(values.len() * 4 + bytes);
    for s in values {
        put_u32(&mut raw, s.as_ref().len() as u32);
    }
    for s in values {
        raw.extend_from_slice(s.as_ref().as_bytes());
    }
    raw
}

/// Decodes exactly `n` strings into `out` (cleared first).
pub fn decode_strings(bytes: &[u8], n: usize, out: &mut Vec<String>) -> Result<(), DecodeError> {
    out.clear();
    if n == 0 {
        if !bytes.is_empty() {
            return Err(DecodeError::invalid(
                "strings",
                format!("{} bytes for zero values", bytes.len()),
            ));
        }
        return Ok(());
    }
    let mut r = ByteReader::new(bytes, "strings");
    match r.u8()? {
        DICT => {
            let n_dict = r.u32()? as usize;
            if n_dict == 0 || n_dict > n {
                return Err(DecodeError::invalid(
                    "string dictionary",
                    format!("{n_dict} entries for {n} values"),
                ));
            }
            let raw_len = r.u32()? as usize;
            let block = r.blob()?;
            let raw = lz4_block("string dictionary", block, raw_len)?;
            let mut dict = Vec::new();
            unpack("string dictionary", &raw, n_dict, &mut dict)?;
            let codes_bytes = r.take(r.remaining())?;
            let mut codes: Vec<u32> = Vec::new();
            decode_numbers("string codes", codes_bytes, n, &mut codes)?;
            out.reserve(n);
            for c in codes {
                let s = dict.get(c as usize).ok_or_else(|| {
                    DecodeError::invalid(
                        "string codes",
                        format!("code {c} outside a dictionary of {n_dict}"),
                    )
                })?;
                out.push(s.clone());
            }
            Ok(())
        }
        PLAIN => {
            let raw_len = r.u32()? as usize;
            let block = r.take(r.remaining())?;
            let raw = lz4_block("plain strings", block, raw_len)?;
            unpack("plain strings", &raw, n, out)
        }
        other => Err(DecodeError::invalid(
            "strings",
            format!("unknown string encoding {other}"),
        )),
    }
}

pub(crate) fn lz4_block(
    what: &'static str,
    block: &[u8],
    raw_len: usize,
) -> Result<Vec<u8>, DecodeError> {
    if raw_len > block.len().saturating_mul(LZ4_MAX_RATIO).saturating_add(64) {
        return Err(DecodeError::invalid(
            what,
            format!(
                "{raw_len} bytes cannot come from a {}-byte LZ4 block",
                block.len()
            ),
        ));
    }
    let mut raw = vec![0u8; raw_len];
    let got = lz4_flex::block::decompress_into(block, &mut raw).map_err(|e| DecodeError::Lz4 {
        what,
        reason: e.to_string(),
    })?;
    if got != raw_len {
        return Err(DecodeError::invalid(
            what,
            format!("LZ4 block holds {got} bytes, header says {raw_len}"),
        ));
    }
    Ok(raw)
}

fn unpack(
    what: &'static str,
    raw: &[u8],
    count: usize,
    out: &mut Vec<String>,
) -> Result<(), DecodeError> {
    let mut r = ByteReader::new(raw, what);
    let lens = r.take(
        count
            .checked_mul(4)
            .ok_or_else(|| DecodeError::invalid(what, "count overflows"))?,
    )?;
    out.reserve(count);
    for len in lens.chunks_exact(4) {
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let s = std::str::from_utf8(r.take(len)?)
            .map_err(|e| DecodeError::invalid(what, format!("value is not UTF-8: {e}")))?;
        out.push(s.to_owned());
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(v: &[String]) -> (Vec<String>, Option<StringEncoding>) {
        let mut bytes = Vec::new();
        let enc = encode_strings(v, &mut bytes).unwrap();
        let mut out = Vec::new();
        decode_strings(&bytes, v.len(), &mut out).unwrap();
        (out, enc)
    }

    proptest! {
        #[test]
        fn few_distinct_round_trip(v in proptest::collection::vec(prop_oneof!["ok", "bounced", "défé rred", ""], 0..300)) {
            let v: Vec<String> = v.into_iter().collect();
            let (out, enc) = round_trip(&v);
            prop_assert_eq!(&out, &v);
            if v.len() >= 8 {
                prop_assert_eq!(enc, Some(StringEncoding::Dictionary));
            }
        }

        #[test]
        fn arbitrary_round_trip(v in proptest::collection::vec(".{0,12}", 0..100)) {
            prop_assert_eq!(round_trip(&v).0, v);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120), n in 0usize..64) {
            let mut out = Vec::new();
            if decode_strings(&bytes, n, &mut out).is_ok() {
                prop_assert_eq!(out.len(), n);
            }
        }
    }

    #[test]
    fn corrupt_fields_are_errors() {
        let v: Vec<String> = ["a", "b", "a", "a"].iter().map(|s| s.to_string()).collect();
        let mut bytes = Vec::new();
        encode_strings(&v, &mut bytes).unwrap();
        let mut out = Vec::new();
        // n_dict larger than n
        let mut b = bytes.clone();
        b[1] = 9;
        assert!(decode_strings(&b, 4, &mut out).is_err());
        // raw_len absurd
        let mut b = bytes.clone();
        b[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_strings(&b, 4, &mut out).is_err());
        // fewer values than promised
        assert!(decode_strings(&bytes, 5, &mut out).is_err());
        let plain: Vec<String> = vec!["x".into(), "y".into()];
        let mut bytes = Vec::new();
        assert_eq!(
            encode_strings(&plain, &mut bytes).unwrap(),
            Some(StringEncoding::Plain)
        );
        assert!(decode_strings(&bytes, 3, &mut out).is_err());
        assert!(decode_strings(&bytes[..bytes.len() - 1], 2, &mut out).is_err());
    }
}
