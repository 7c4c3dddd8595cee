//! GROUP BY time buckets: epoch-aligned windows of `interval` shifted by `offset`.

use crate::exec::error::ExecError;

/// The buckets a statement aggregates into: `len` buckets of `interval` ns from `start`, or one
/// bucket covering everything when `interval == 0` (no GROUP BY time, or `time(0s)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Window {
    /// Start of the first bucket (with no interval: the time stamped on aggregate rows).
    pub start: i64,
    pub interval: i64,
    pub len: usize,
}

impl Window {
    pub fn single(start: i64) -> Window {
        Window {
            start,
            interval: 0,
            len: 1,
        }
    }

    /// The buckets covering `[min, max]` (inclusive): the first contains `min`, the last `max`.
    pub fn new(min: i64, max: i64, interval: i64, offset: i64) -> Result<Window, ExecError> {
        if interval <= 0 {
            return Ok(Window::single(min));
        }
        let start = floor(min, interval, offset);
        let last = floor(max.max(min), interval, offset);
        let len = (i128::from(last) - i128::from(start)) / i128::from(interval) + 1;
        let len = usize::try_from(len)
            .ok()
            .filter(|&n| n <= 1 << 40)
            .ok_or_else(|| ExecError::Invalid(format!("too many buckets: {len}")))?;
        Ok(Window {
            start,
            interval,
            len,
        })
    }

    /// The bucket of time `t`, `None` outside the window.
    #[inline]
    pub fn index(&self, t: i64) -> Option<usize> {
        if self.interval == 0 {
            return Some(0);
        }
        let d = t.checked_sub(self.start)?;
        if d < 0 {
            return None;
        }
        let i = (d / self.interval) as usize;
        (i < self.len).then_some(i)
    }

    /// Start time of bucket `i`.
    pub fn bucket_start(&self, i: usize) -> i64 {
        self.start
            .saturating_add((i as i64).saturating_mul(self.interval))
    }
}

/// Start of the bucket containing `t`: `t - ((t - offset) mod interval)`, saturating.
fn floor(t: i64, interval: i64, offset: i64) -> i64 {
    let t128 = i128::from(t);
    let r = (t128 - i128::from(offset)).rem_euclid(i128::from(interval));
    i64::try_from(t128 - r).unwrap_or(i64::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60_000_000_000;

    #[test]
    fn buckets_are_epoch_aligned_and_offset() {
        let w = Window::new(M + 5, 12 * M - 1, 5 * M, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((w.start, w.len), (0, 3));
        assert_eq!(w.index(5 * M), Some(1));
        assert_eq!(w.index(15 * M), None);
        assert_eq!(w.index(-1), None);
        // time(5m,-1m) ≡ time(5m,4m); time(5m,1m) from 00:01 starts at 00:01.
        let a = Window::new(M, 12 * M, 5 * M, -M).unwrap_or_else(|e| panic!("{e}"));
        let b = Window::new(M, 12 * M, 5 * M, 4 * M).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, b);
        assert_eq!(a.start, -M);
        let c = Window::new(M, 12 * M - 1, 5 * M, M).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((c.start, c.len), (M, 3));
        assert_eq!(c.bucket_start(2), 11 * M);
        assert!(Window::new(i64::MIN, i64::MAX, 1, 0).is_err());
    }
}
