//! GROUP BY time buckets: epoch-aligned windows of `interval` shifted by `offset`, or, with a
//! `tz()` zone, windows aligned to the zone's wall clock (local midnight for `time(1d)`), whose
//! lengths change where the zone's offset does (a 23- or 25-hour day).

use std::sync::Arc;

use crate::exec::error::ExecError;
use crate::time::Zone;

/// The buckets a statement aggregates into: `len` buckets of `interval` ns from `start`, or one
/// bucket covering everything when `interval == 0` (no GROUP BY time, or `time(0s)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Window {
    /// Start of the first bucket (with no interval: the time stamped on aggregate rows).
    pub start: i64,
    pub interval: i64,
    pub len: usize,
    /// Buckets of unequal length (a zone whose offset changes inside the window): the `len`
    /// bucket starts and the end of the last bucket, ascending. `None`: bucket `i` starts at
    /// `start + i × interval`.
    edges: Option<Arc<[i64]>>,
}

impl Window {
    pub fn single(start: i64) -> Window {
        Window {
            start,
            interval: 0,
            len: 1,
            edges: None,
        }
    }

    /// [`Window::new`] in a zone: buckets start at [`Zone::bucket_start`]. `max_buckets` (0: no
    /// limit) is checked before the buckets are enumerated.
    pub fn zoned(
        min: i64,
        max: i64,
        interval: i64,
        offset: i64,
        zone: Option<Zone>,
        max_buckets: u64,
    ) -> Result<Window, ExecError> {
        let zone = match zone {
            Some(z) if interval > 0 && !z.is_utc() => z,
            _ => return Window::new(min, max, interval, offset),
        };
        let start = zone.bucket_start(min, interval, offset);
        let last = zone.bucket_start(max.max(min), interval, offset);
        // Buckets are at least `interval` minus an offset change long: bound their number first.
        let estimate = (i128::from(last) - i128::from(start)) / i128::from(interval) + 2;
        let too_many = || ExecError::Invalid(format!("too many buckets: {estimate}"));
        let cap = u64::try_from(estimate).map_err(|_| too_many())?;
        if cap > 1 << 40
            || (max_buckets > 0 && cap > max_buckets.saturating_mul(2).saturating_add(2))
        {
            return Err(too_many());
        }
        let mut edges = Vec::with_capacity(usize::try_from(cap).unwrap_or(0).min(1 << 20));
        let mut s = start;
        edges.push(s);
        loop {
            let next = next_start(zone, s, interval, offset);
            if next <= s {
                // (Only at the end of the time range.)
                edges.push(s.saturating_add(interval).max(s));
                break;
            }
            edges.push(next);
            if next > last {
                break;
            }
            s = next;
        }
        let len = edges.len() - 1;
        let uniform = edges
            .iter()
            .enumerate()
            .all(|(i, &e)| i128::from(e) == i128::from(start) + i as i128 * i128::from(interval));
        Ok(Window {
            start,
            interval,
            len,
            edges: (!uniform).then(|| edges.into()),
        })
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
            edges: None,
        })
    }

    /// The bucket of time `t`, `None` outside the window.
    #[inline]
    pub fn index(&self, t: i64) -> Option<usize> {
        if self.interval == 0 {
            return Some(0);
        }
        if let Some(edges) = &self.edges {
            let i = edges.partition_point(|&e| e <= t).checked_sub(1)?;
            return (i < self.len).then_some(i);
        }
        let d = t.checked_sub(self.start)?;
        if d < 0 {
            return None;
        }
        let i = (d / self.interval) as usize;
        (i < self.len).then_some(i)
    }

    /// `(start, end)` of the bucket holding `t` (`t` inside the window; outside it, a bucket of
    /// `interval` from `t`).
    pub fn bounds(&self, t: i64) -> (i64, i64) {
        match self.index(t) {
            Some(b) => (self.bucket_start(b), self.bucket_start(b + 1)),
            None => (t, t.saturating_add(self.interval)),
        }
    }

    /// Start time of bucket `i` (`i == len`: the end of the last bucket).
    pub fn bucket_start(&self, i: usize) -> i64 {
        if let Some(e) = self.edges.as_ref().and_then(|e| e.get(i)) {
            return *e;
        }
        self.start
            .saturating_add((i as i64).saturating_mul(self.interval))
    }
}

/// Start of the bucket after the one starting at `s` in `zone`: the bucket of `s + interval`,
/// or, when a longer bucket (clocks set back) still holds that instant, the first instant after
/// it that starts a new bucket (bucket starts never decrease as time grows).
fn next_start(zone: Zone, s: i64, interval: i64, offset: i64) -> i64 {
    let probe = s.saturating_add(interval);
    let n = zone.bucket_start(probe, interval, offset);
    if n > s || probe == i64::MAX {
        return n;
    }
    // Smallest p in (probe, hi] whose bucket starts after `s`.
    let (mut lo, mut hi) = (probe, probe.saturating_add(interval.saturating_mul(2)));
    if zone.bucket_start(hi, interval, offset) <= s {
        return hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if zone.bucket_start(mid, interval, offset) > s {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    zone.bucket_start(hi, interval, offset)
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

    const H: i64 = 60 * M;
    const D: i64 = 24 * H;
    /// 2024-03-09T00:00:00Z; America/Chicago springs forward at 2024-03-10T08:00Z.
    const MAR9: i64 = 1_709_942_400_000_000_000;
    /// 2024-11-02T00:00:00Z; America/Chicago falls back at 2024-11-03T07:00Z.
    const NOV2: i64 = 1_730_505_600_000_000_000;

    fn zone(name: &str) -> Option<Zone> {
        Some(Zone::parse(name).unwrap_or_else(|| panic!("{name}")))
    }

    fn zoned(min: i64, max: i64, interval: i64, z: &str) -> Window {
        Window::zoned(min, max, interval, 0, zone(z), 0).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn zoned_days_are_local_days_across_dst() {
        // Local midnights 2024-03-09..12 in Chicago: 24 h, 23 h (spring forward), 24 h.
        let w = zoned(MAR9 + 7 * H, MAR9 + 3 * D, D, "America/Chicago");
        let starts: Vec<i64> = (0..w.len).map(|b| w.bucket_start(b)).collect();
        assert_eq!(
            starts,
            [MAR9 + 6 * H, MAR9 + D + 6 * H, MAR9 + 2 * D + 5 * H]
        );
        assert_eq!(w.index(MAR9 + 2 * D + 5 * H - 1), Some(1));
        assert_eq!(w.index(MAR9 + 2 * D + 5 * H), Some(2));
        assert_eq!(w.index(MAR9 + 6 * H - 1), None);
        assert_eq!(w.index(MAR9 + 3 * D + 5 * H), None);
        // Fall back: 2024-11-03 lasts 25 hours, 05:00Z to 06:00Z the next day.
        let w = zoned(NOV2 + 12 * H, NOV2 + 2 * D + 12 * H, D, "America/Chicago");
        let starts: Vec<i64> = (0..w.len).map(|b| w.bucket_start(b)).collect();
        assert_eq!(
            starts,
            [NOV2 + 5 * H, NOV2 + D + 5 * H, NOV2 + 2 * D + 6 * H]
        );
        assert_eq!(w.index(NOV2 + 2 * D + 6 * H - 1), Some(1));
    }

    #[test]
    fn zoned_windows_without_an_offset_change_stay_uniform() {
        // Kolkata (+05:30): hourly buckets at :30 UTC, no edge table needed.
        let w = zoned(MAR9, MAR9 + 3 * H, H, "Asia/Kolkata");
        assert_eq!((w.start, w.len), (MAR9 - 30 * M, 4));
        assert!(w.edges.is_none());
        // 5-minute buckets over a DST change are still uniform.
        let w = zoned(MAR9 + D, MAR9 + 2 * D, 5 * M, "America/Chicago");
        assert!(w.edges.is_none());
        // UTC and no zone are the epoch-aligned windows.
        let a = Window::zoned(MAR9 + 7, MAR9 + D, H, 0, zone("UTC"), 0);
        assert_eq!(a.ok(), Window::new(MAR9 + 7, MAR9 + D, H, 0).ok());
        // The bucket limit is checked before enumerating.
        assert!(Window::zoned(0, 1 << 60, M, 0, zone("Europe/Amsterdam"), 1000).is_err());
    }
}
