//! Bit-packed booleans and presence bitmaps.
//!
//! Booleans: `ceil(n / 8)` bytes, bit `i` is bit `i % 8` of byte `i / 8` (LSB first); padding bits
//! are zero and checked.
//!
//! Presence of a column over `n` rows: `u8 kind` — 0 all present, 1 none present, 2 bitmap — and for
//! kind 2 the bits as above.

use crate::model::BitVec;

use super::{ByteReader, DecodeError};

const ALL: u8 = 0;
const NONE: u8 = 1;
const BITMAP: u8 = 2;

/// Appends `bits` packed LSB-first.
pub fn encode_bits(bits: impl IntoIterator<Item = bool>, out: &mut Vec<u8>) {
    let mut byte = 0u8;
    let mut k = 0u32;
    for b in bits {
        byte |= (b as u8) << k;
        k += 1;
        if k == 8 {
            out.push(byte);
            byte = 0;
            k = 0;
        }
    }
    if k > 0 {
        out.push(byte);
    }
}

/// Decodes exactly `n` packed bits from all of `bytes` into `out` (cleared first).
pub fn decode_bits(
    what: &'static str,
    bytes: &[u8],
    n: usize,
    out: &mut Vec<bool>,
) -> Result<(), DecodeError> {
    out.clear();
    check_packed(what, bytes, n)?;
    out.reserve(n);
    out.extend((0..n).map(|i| bytes[i / 8] >> (i % 8) & 1 == 1));
    Ok(())
}

fn check_packed(what: &'static str, bytes: &[u8], n: usize) -> Result<(), DecodeError> {
    let need = n.div_ceil(8);
    if bytes.len() != need {
        return Err(DecodeError::invalid(
            what,
            format!("{n} bits need {need} bytes, got {}", bytes.len()),
        ));
    }
    if n % 8 != 0 {
        if let Some(&last) = bytes.last() {
            if last >> (n % 8) != 0 {
                return Err(DecodeError::invalid(
                    what,
                    "padding bits after the last value are set",
                ));
            }
        }
    }
    Ok(())
}

/// How a column's presence over a run of rows is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    All,
    None,
    Bitmap,
}

/// Appends the presence bitmap `present` (kind byte + bits when mixed); returns the kind used.
pub fn encode_presence(present: &BitVec, out: &mut Vec<u8>) -> Presence {
    let ones = present.count_ones();
    if ones == present.len() {
        out.push(ALL);
        Presence::All
    } else if ones == 0 {
        out.push(NONE);
        Presence::None
    } else {
        out.push(BITMAP);
        let nbytes = present.len().div_ceil(8);
        let start = out.len();
        for w in present.words() {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.truncate(start + nbytes);
        Presence::Bitmap
    }
}

/// Reads a presence bitmap over `n` rows written by [`encode_presence`].
pub fn decode_presence(r: &mut ByteReader<'_>, n: usize) -> Result<BitVec, DecodeError> {
    const WHAT: &str = "presence bitmap";
    match r.u8()? {
        ALL => Ok(BitVec::with_len(n, true)),
        NONE => Ok(BitVec::with_len(n, false)),
        BITMAP => {
            let bytes = r.take(n.div_ceil(8))?;
            check_packed(WHAT, bytes, n)?;
            let words = bytes
                .chunks(8)
                .map(|c| {
                    let mut w = [0u8; 8];
                    w[..c.len()].copy_from_slice(c);
                    u64::from_le_bytes(w)
                })
                .collect();
            Ok(BitVec::from_words(words, n))
        }
        other => Err(DecodeError::invalid(
            WHAT,
            format!("unknown presence kind {other}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn bits_round_trip(v in proptest::collection::vec(any::<bool>(), 0..300)) {
            let mut bytes = Vec::new();
            encode_bits(v.iter().copied(), &mut bytes);
            let mut out = Vec::new();
            decode_bits("t", &bytes, v.len(), &mut out).unwrap();
            prop_assert_eq!(out, v);
        }

        #[test]
        fn presence_round_trip(v in proptest::collection::vec(any::<bool>(), 0..300), all in any::<Option<bool>>()) {
            let mut bv = BitVec::new();
            for b in &v {
                bv.push(all.unwrap_or(*b));
            }
            let mut bytes = Vec::new();
            encode_presence(&bv, &mut bytes);
            let mut r = ByteReader::new(&bytes, "t");
            prop_assert_eq!(decode_presence(&mut r, v.len()).unwrap(), bv);
            prop_assert!(r.finish().is_ok());
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..60), n in 0usize..400) {
            let mut out = Vec::new();
            let _ = decode_bits("t", &bytes, n, &mut out);
            let mut r = ByteReader::new(&bytes, "t");
            if let Ok(bv) = decode_presence(&mut r, n) {
                prop_assert_eq!(bv.len(), n);
            }
        }
    }

    #[test]
    fn set_padding_and_wrong_length_are_errors() {
        let mut out = Vec::new();
        assert!(decode_bits("t", &[0b1000_0000], 3, &mut out).is_err());
        assert!(decode_bits("t", &[0, 0], 3, &mut out).is_err());
        let mut r = ByteReader::new(&[7], "t");
        assert!(decode_presence(&mut r, 3).is_err());
    }
}
