//! Numbers (`f64`, `i64`, `u64`, `u32`) through `pco`'s standalone format.
//!
//! Layout: zero values → zero bytes; otherwise one pco standalone file (header, one chunk of up to
//! 2^18 numbers per pco page, footer). pco picks its mode (classic, float-mult for decimals, int-mult)
//! and delta order itself (`ModeSpec::Auto`, `DeltaSpec::Auto`).

use pco::data_types::Number;
use pco::standalone::{simple_compress, simple_decompress_into};
use pco::{ChunkConfig, DeltaSpec};

use super::{DecodeError, EncodeError};

/// pco compression level: pco's default (8). Not tuned yet; `benches/segment.rs` is the place to.
pub const PCO_LEVEL: usize = 8;

/// Appends `values` pco-compressed (nothing when empty).
///
/// pco fails only on an invalid chunk config, and the config here is fixed; the error is still
/// passed on rather than unwrapped.
pub fn encode_numbers<T: Number>(values: &[T], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_numbers_with(values, DeltaSpec::Auto, out)
}

pub(crate) fn encode_numbers_with<T: Number>(
    values: &[T],
    delta: DeltaSpec,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if values.is_empty() {
        return Ok(());
    }
    let config = ChunkConfig::default()
        .with_compression_level(PCO_LEVEL)
        .with_delta_spec(delta);
    let bytes = simple_compress(values, &config).map_err(|e| EncodeError {
        codec: "pco",
        reason: e.to_string(),
    })?;
    out.extend_from_slice(&bytes);
    Ok(())
}

/// Decodes exactly `n` numbers from `bytes` into `out` (cleared first).
///
/// The caller bounds `n` (a row group's row count), since pco can compress many equal numbers into
/// a few bytes and `n` therefore cannot be checked against `bytes.len()`.
pub fn decode_numbers<T: Number>(
    what: &'static str,
    bytes: &[u8],
    n: usize,
    out: &mut Vec<T>,
) -> Result<(), DecodeError> {
    out.clear();
    if n == 0 {
        if !bytes.is_empty() {
            return Err(DecodeError::invalid(
                what,
                format!("{} bytes for zero values", bytes.len()),
            ));
        }
        return Ok(());
    }
    out.resize(n, T::default());
    let progress =
        simple_decompress_into(bytes, out.as_mut_slice()).map_err(|e| DecodeError::Pco {
            what,
            reason: e.to_string(),
        })?;
    if progress.n_processed != n || !progress.finished {
        let got = progress.n_processed;
        out.clear();
        if !progress.finished {
            return Err(DecodeError::TooMany { what, expected: n });
        }
        return Err(DecodeError::Count {
            what,
            expected: n,
            got,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip<T: Number>(values: &[T]) -> Vec<T> {
        let mut bytes = Vec::new();
        encode_numbers(values, &mut bytes).unwrap();
        let mut out = Vec::new();
        decode_numbers("test", &bytes, values.len(), &mut out).unwrap();
        out
    }

    proptest! {
        #[test]
        fn i64_round_trip(v in proptest::collection::vec(any::<i64>(), 0..600)) {
            prop_assert_eq!(round_trip(&v), v);
        }

        #[test]
        fn u64_round_trip(v in proptest::collection::vec(any::<u64>(), 0..600)) {
            prop_assert_eq!(round_trip(&v), v);
        }

        #[test]
        fn u32_round_trip(v in proptest::collection::vec(0u32..100, 0..600)) {
            prop_assert_eq!(round_trip(&v), v);
        }

        #[test]
        fn f64_round_trip_bit_exact(v in proptest::collection::vec(any::<f64>(), 0..600)) {
            let got: Vec<u64> = round_trip(&v).iter().map(|x| x.to_bits()).collect();
            let want: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn garbage_is_an_error_or_a_value_list_never_a_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..200), n in 0usize..300,
        ) {
            let mut out: Vec<f64> = Vec::new();
            if decode_numbers("test", &bytes, n, &mut out).is_ok() {
                prop_assert_eq!(out.len(), n);
            }
        }
    }

    #[test]
    fn wrong_count_and_truncation_are_errors() {
        let v: Vec<i64> = (0..1000).map(|i| i * 7 - 300).collect();
        let mut bytes = Vec::new();
        encode_numbers(&v, &mut bytes).unwrap();
        let mut out = Vec::new();
        assert!(matches!(
            decode_numbers("t", &bytes, 999, &mut out),
            Err(DecodeError::TooMany { .. })
        ));
        assert!(matches!(
            decode_numbers("t", &bytes, 1001, &mut out),
            Err(DecodeError::Count { got: 1000, .. })
        ));
        for cut in 0..bytes.len() {
            assert!(
                decode_numbers("t", &bytes[..cut], 1000, &mut out).is_err(),
                "cut at {cut}"
            );
        }
        assert!(decode_numbers::<i64>("t", b"x", 0, &mut out).is_err());
    }

    #[test]
    fn wrong_type_is_an_error() {
        let mut bytes = Vec::new();
        encode_numbers(&[1.5f64, 2.5], &mut bytes).unwrap();
        let mut out: Vec<i64> = Vec::new();
        assert!(decode_numbers("t", &bytes, 2, &mut out).is_err());
    }
}
