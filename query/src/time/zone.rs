//! Time zones of `tz('…')`: IANA names resolved against the tz database compiled in by
//! `chrono-tz`, UTC offsets at an instant, and the local-calendar bucket start of GROUP BY time.

use chrono::{Offset as _, TimeZone as _};

use super::NANOS_PER_SECOND;

/// A resolved time zone. `Copy`; looking up an offset does not allocate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    /// Resolves a `tz()` argument as Go's `time.LoadLocation` does: `""` and `"UTC"` are UTC,
    /// `"Local"` is the server's zone (taildb runs in UTC), anything else an IANA name, matched
    /// case-sensitively. `None` for an unknown name (the caller reports InfluxDB's
    /// `unable to find time zone <name>`).
    pub fn parse(name: &str) -> Option<Zone> {
        match name {
            "" | "UTC" | "Local" => Some(Zone(chrono_tz::Tz::UTC)),
            _ => name.parse::<chrono_tz::Tz>().ok().map(Zone),
        }
    }

    /// The IANA name (`UTC` for the UTC forms).
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Whether this is UTC itself (offset 0 at every instant).
    pub fn is_utc(&self) -> bool {
        self.0 == chrono_tz::Tz::UTC
    }

    /// The zone's UTC offset at instant `ts` (ns since the epoch), in seconds east of UTC.
    pub fn offset_secs(&self, ts: i64) -> i32 {
        let dt = chrono::DateTime::from_timestamp_nanos(ts).naive_utc();
        self.0.offset_from_utc_datetime(&dt).fix().local_minus_utc()
    }

    /// [`Zone::offset_secs`] in nanoseconds.
    pub fn offset_ns(&self, ts: i64) -> i64 {
        i64::from(self.offset_secs(ts)) * NANOS_PER_SECOND
    }

    /// Start of the GROUP BY time bucket holding `t`, InfluxDB 1.x's rule for a zone: the local
    /// wall-clock time `t + offset(t - shift)` is floored to `interval`, the floor is taken back by
    /// the same offset, and when the zone's offset at that start differs from the one at `t` by
    /// less than `interval` (a DST change inside the bucket) the start moves by the difference,
    /// so that it falls on local wall-clock time; `shift` (the `time(…, offset)` argument, in
    /// `0..interval`) is applied outside the zone arithmetic. Saturates at `i64::MIN`.
    pub fn bucket_start(&self, t: i64, interval: i64, shift: i64) -> i64 {
        let base = i128::from(t) - i128::from(shift);
        let at = i64::try_from(base).unwrap_or(i64::MIN);
        let zone = i128::from(self.offset_ns(at));
        let into = (base + zone).rem_euclid(i128::from(interval));
        let mut start = base - into;
        let start_zone = i128::from(self.offset_ns(i64::try_from(start).unwrap_or(i64::MIN)));
        let diff = zone - start_zone;
        if diff != 0 && diff.abs() < i128::from(interval) {
            start += diff;
        }
        i64::try_from(start + i128::from(shift)).unwrap_or(i64::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600 * NANOS_PER_SECOND;
    const D: i64 = 24 * H;
    /// 2024-01-01T00:00:00Z.
    const JAN1: i64 = 1_704_067_200 * NANOS_PER_SECOND;
    /// 2024-03-10T00:00:00Z (America/Chicago springs forward at 08:00Z that day).
    const MAR10: i64 = 1_710_028_800 * NANOS_PER_SECOND;
    /// 2024-11-03T00:00:00Z (America/Chicago falls back at 07:00Z that day).
    const NOV3: i64 = 1_730_592_000 * NANOS_PER_SECOND;

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap_or_else(|| panic!("{name} is a zone"))
    }

    #[test]
    fn names_resolve_like_go_load_location() {
        assert!(zone("UTC").is_utc());
        assert!(zone("").is_utc());
        assert_eq!(zone("America/Chicago").name(), "America/Chicago");
        assert_eq!(Zone::parse("Nowhere/Land"), None);
        assert_eq!(Zone::parse("america/chicago"), None);
    }

    #[test]
    fn offsets_follow_dst() {
        let chi = zone("America/Chicago");
        assert_eq!(chi.offset_secs(JAN1), -6 * 3600);
        assert_eq!(chi.offset_secs(MAR10 + 8 * H - 1), -6 * 3600);
        assert_eq!(chi.offset_secs(MAR10 + 8 * H), -5 * 3600);
        assert_eq!(zone("Asia/Kolkata").offset_secs(JAN1), 19_800);
    }

    #[test]
    fn buckets_start_at_local_wall_clock_floors() {
        let chi = zone("America/Chicago");
        // 1d: local midnight, 2023-12-31T00:00-06:00.
        assert_eq!(
            chi.bucket_start(JAN1 + 12 * 60 * NANOS_PER_SECOND, D, 0),
            JAN1 - 18 * H
        );
        // Spring forward: the day is 23 hours, 06:00Z to 05:00Z.
        assert_eq!(chi.bucket_start(MAR10 + 12 * H, D, 0), MAR10 + 6 * H);
        assert_eq!(chi.bucket_start(MAR10 + D + 4 * H, D, 0), MAR10 + 6 * H);
        assert_eq!(chi.bucket_start(MAR10 + D + 5 * H, D, 0), MAR10 + D + 5 * H);
        // Fall back: the day is 25 hours, 05:00Z to 06:00Z.
        assert_eq!(chi.bucket_start(NOV3 + 12 * H, D, 0), NOV3 + 5 * H);
        assert_eq!(chi.bucket_start(NOV3 + D + 5 * H, D, 0), NOV3 + 5 * H);
        assert_eq!(chi.bucket_start(NOV3 + D + 6 * H, D, 0), NOV3 + D + 6 * H);
        // 1h in a half-hour zone: buckets at :30 UTC.
        let kol = zone("Asia/Kolkata");
        assert_eq!(kol.bucket_start(JAN1 + H / 5, H, 0), JAN1 - H / 2);
        // An offset argument shifts outside the zone arithmetic.
        assert_eq!(chi.bucket_start(JAN1 + 2 * H, D, H), JAN1 - 17 * H);
        assert_eq!(zone("UTC").bucket_start(JAN1 + 5, D, 0), JAN1);
    }
}
