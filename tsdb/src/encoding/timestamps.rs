//! Timestamps of a row group: sorted within each series run, jumping back at every run boundary.
//!
//! Layout: `u8 mode` + a pco stream of `n` i64 (nothing at all when `n == 0`).
//! - mode 0 `Plain`: the timestamps themselves; pco chooses its delta order.
//! - mode 1 `RunDelta`: row `i` stores `t[i] - t[i-1]` inside a run and, for the first row of a run,
//!   `t[i] - t[first row of the previous run]` (the first row of the group stores `t[0]`), all with
//!   wrapping arithmetic, so every stored value of a series-sorted column is a small non-negative
//!   gap except at run starts. pco then sees one distribution instead of a saw-tooth.
//!
//! The writer uses `RunDelta`; on the email-latency shape (ns-jittered times, 3–50 rows per series)
//! it is only 0.2 % smaller than `Plain` with pco's own delta detection (4.83 vs 4.84 B/row,
//! `benches/segment.rs`), because the jitter, not the layout, sets the entropy. The reader accepts both.

use pco::DeltaSpec;

use super::numbers::encode_numbers_with;
use super::{DecodeError, EncodeError, decode_numbers};

const PLAIN: u8 = 0;
const RUN_DELTA: u8 = 1;

/// How [`encode_timestamps`] transforms the column before pco.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeEncoding {
    Plain,
    RunDelta,
}

/// Appends the timestamps `ts`, whose series runs have lengths `runs` (summing to `ts.len()`).
pub fn encode_timestamps(
    ts: &[i64],
    runs: &[u32],
    mode: TimeEncoding,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if ts.is_empty() {
        return Ok(());
    }
    match mode {
        TimeEncoding::Plain => {
            out.push(PLAIN);
            encode_numbers_with(ts, DeltaSpec::Auto, out)
        }
        TimeEncoding::RunDelta => {
            out.push(RUN_DELTA);
            let mut gaps = Vec::with_capacity(ts.len());
            let mut prev_run_first = 0i64;
            let mut i = 0usize;
            for &run in runs {
                let end = (i + run as usize).min(ts.len());
                if i < end {
                    gaps.push(ts[i].wrapping_sub(prev_run_first));
                    prev_run_first = ts[i];
                    for j in i + 1..end {
                        gaps.push(ts[j].wrapping_sub(ts[j - 1]));
                    }
                }
                i = end;
            }
            // Rows past the given runs (a caller bug) still round-trip as one more run.
            if i < ts.len() {
                gaps.push(ts[i].wrapping_sub(prev_run_first));
                for j in i + 1..ts.len() {
                    gaps.push(ts[j].wrapping_sub(ts[j - 1]));
                }
            }
            encode_numbers_with(&gaps, DeltaSpec::NoOp, out)
        }
    }
}

/// Decodes `n` timestamps (`n` = sum of `runs`) into `out`.
pub fn decode_timestamps(
    bytes: &[u8],
    runs: &[u32],
    n: usize,
    out: &mut Vec<i64>,
) -> Result<(), DecodeError> {
    const WHAT: &str = "timestamps";
    out.clear();
    if n == 0 {
        if !bytes.is_empty() {
            return Err(DecodeError::invalid(
                WHAT,
                format!("{} bytes for zero rows", bytes.len()),
            ));
        }
        return Ok(());
    }
    let (&mode, rest) = bytes.split_first().ok_or(DecodeError::Truncated {
        what: WHAT,
        offset: 0,
        need: 1,
        have: 0,
    })?;
    decode_numbers(WHAT, rest, n, out)?;
    match mode {
        PLAIN => Ok(()),
        RUN_DELTA => {
            let total: u64 = runs.iter().map(|&r| r as u64).sum();
            if total != n as u64 {
                return Err(DecodeError::invalid(
                    WHAT,
                    format!("series runs cover {total} rows, chunk has {n}"),
                ));
            }
            let mut prev_run_first = 0i64;
            let mut i = 0usize;
            for &run in runs {
                let end = i + run as usize;
                if let Some(first) = out.get_mut(i) {
                    *first = first.wrapping_add(prev_run_first);
                    prev_run_first = *first;
                }
                for j in i + 1..end.min(n) {
                    out[j] = out[j].wrapping_add(out[j - 1]);
                }
                i = end;
            }
            Ok(())
        }
        other => Err(DecodeError::invalid(
            WHAT,
            format!("unknown timestamp encoding {other}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn runs_and_times() -> impl Strategy<Value = (Vec<u32>, Vec<i64>)> {
        proptest::collection::vec((1u32..20, any::<i64>(), 0i64..1_000_000_000), 0..40).prop_map(
            |series| {
                let mut runs = Vec::new();
                let mut ts = Vec::new();
                for (run, start, step) in series {
                    runs.push(run);
                    let mut t = start;
                    for _ in 0..run {
                        ts.push(t);
                        t = t.wrapping_add(step + 1);
                    }
                }
                (runs, ts)
            },
        )
    }

    proptest! {
        #[test]
        fn round_trip_both_modes((runs, ts) in runs_and_times()) {
            for mode in [TimeEncoding::Plain, TimeEncoding::RunDelta] {
                let mut bytes = Vec::new();
                encode_timestamps(&ts, &runs, mode, &mut bytes).unwrap();
                let mut out = Vec::new();
                decode_timestamps(&bytes, &runs, ts.len(), &mut out).unwrap();
                prop_assert_eq!(&out, &ts);
            }
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100), runs in proptest::collection::vec(0u32..50, 0..10)) {
            let n: u32 = runs.iter().sum();
            let mut out = Vec::new();
            if decode_timestamps(&bytes, &runs, n as usize, &mut out).is_ok() {
                prop_assert_eq!(out.len(), n as usize);
            }
        }
    }

    #[test]
    fn unknown_mode_and_run_mismatch_are_errors() {
        let ts = [10i64, 20, 5, 6];
        let runs = [2u32, 2];
        let mut bytes = Vec::new();
        encode_timestamps(&ts, &runs, TimeEncoding::RunDelta, &mut bytes).unwrap();
        let mut out = Vec::new();
        assert!(decode_timestamps(&bytes, &[2, 1], 4, &mut out).is_err());
        bytes[0] = 9;
        assert!(decode_timestamps(&bytes, &runs, 4, &mut out).is_err());
        assert!(decode_timestamps(&[], &runs, 4, &mut out).is_err());
    }
}
