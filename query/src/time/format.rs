//! Go-compatible time and duration printing.

use std::fmt::Write as _;

use super::NANOS_PER_SECOND;
use super::civil::civil_from_days;

/// Appends `ts` as Go's `time.RFC3339Nano` in UTC: `2024-01-01T00:00:00Z`,
/// `1970-01-01T00:00:00.00000001Z` (fraction trimmed of trailing zeros, omitted when zero).
pub fn write_rfc3339_nano(out: &mut Vec<u8>, ts: i64) {
    write_rfc3339_nano_in(out, ts, 0);
}

/// Appends `ts` as Go's `time.RFC3339Nano` of the instant in a zone `offset_secs` east of UTC:
/// the local wall-clock time and `±hh:mm` (`2023-12-31T18:00:00-06:00`), `Z` for offset 0.
/// (Go prints `±hh:mm`; a zone's seconds part, found only in historical LMT offsets, is dropped.)
pub fn write_rfc3339_nano_in(out: &mut Vec<u8>, ts: i64, offset_secs: i32) {
    let offset_ns = i128::from(offset_secs) * i128::from(NANOS_PER_SECOND);
    // The wall clock may lie outside i64 near the ends of the range: work in i128 there.
    let local = i128::from(ts) + offset_ns;
    let secs = i64::try_from(local.div_euclid(i128::from(NANOS_PER_SECOND))).unwrap_or(0);
    let nanos = local.rem_euclid(i128::from(NANOS_PER_SECOND)) as u32;
    write_civil(out, secs, nanos);
    if offset_secs == 0 {
        out.push(b'Z');
    } else {
        out.push(if offset_secs < 0 { b'-' } else { b'+' });
        let m = offset_secs.unsigned_abs() / 60;
        push_digits(out, m / 60, 2);
        out.push(b':');
        push_digits(out, m % 60, 2);
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` of `secs` seconds and `nanos` ns after the epoch.
fn write_civil(out: &mut Vec<u8>, secs: i64, nanos: u32) {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    // Years of i64 nanosecond times lie in 1677..=2262: always four digits.
    push_digits(out, y.unsigned_abs() as u32, 4);
    out.push(b'-');
    push_digits(out, m, 2);
    out.push(b'-');
    push_digits(out, d, 2);
    out.push(b'T');
    push_digits(out, sod / 3600, 2);
    out.push(b':');
    push_digits(out, sod / 60 % 60, 2);
    out.push(b':');
    push_digits(out, sod % 60, 2);
    if nanos != 0 {
        let mut digits = 9;
        let mut frac = nanos;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        out.push(b'.');
        push_digits(out, frac, digits);
    }
}

/// Appends `v` zero-padded to `width` digits (more digits when `v` needs them).
fn push_digits(out: &mut Vec<u8>, v: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let start = i.min(buf.len() - width.min(buf.len()));
    out.extend_from_slice(&buf[start..]);
}

/// Go's `time.Duration.String()`: `0s`, `1h0m0s`, `168h0m0s`, `1m30s`, `1.5s`, `500ms`, `1µs`, `3ns`.
pub fn format_go_duration(d: i64) -> String {
    if d == 0 {
        return "0s".to_owned();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if u < 1_000_000_000 {
        // Sub-second: a single unit with a fraction.
        let (unit, prec) = match u {
            0..1_000 => ("ns", 0),
            1_000..1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        push_frac(&mut s, u, prec);
        s.push_str(unit);
        return s;
    }
    let secs_total = u / 1_000_000_000;
    let frac = u % 1_000_000_000;
    let hours = secs_total / 3600;
    let mins = secs_total / 60 % 60;
    let secs = secs_total % 60;
    if hours > 0 {
        let _ = write!(s, "{hours}h");
    }
    if hours > 0 || mins > 0 {
        let _ = write!(s, "{mins}m");
    }
    push_frac(&mut s, secs * 1_000_000_000 + frac, 9);
    s.push('s');
    s
}

/// Writes `v / 10^prec` with the fraction's trailing zeros (and a bare `.`) removed.
fn push_frac(s: &mut String, v: u64, prec: u32) {
    let p = 10u64.pow(prec);
    let _ = write!(s, "{}", v / p);
    let mut frac = v % p;
    if frac != 0 {
        let mut digits = prec as usize;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        let _ = write!(s, ".{frac:0digits$}");
    }
}

/// influxql's `FormatDuration`: the largest unit that divides `d` exactly (`2w`, `7d`, `90m`, `1500ms`,
/// `3u`, `7ns`); `0s` for zero.
pub fn format_influxql_duration(d: i64) -> String {
    const UNITS: [(i64, &str); 7] = [
        (7 * 86_400 * NANOS_PER_SECOND, "w"),
        (86_400 * NANOS_PER_SECOND, "d"),
        (3_600 * NANOS_PER_SECOND, "h"),
        (60 * NANOS_PER_SECOND, "m"),
        (NANOS_PER_SECOND, "s"),
        (1_000_000, "ms"),
        (1_000, "u"),
    ];
    if d == 0 {
        return "0s".to_owned();
    }
    for (n, unit) in UNITS {
        if d % n == 0 {
            return format!("{}{unit}", d / n);
        }
    }
    format!("{d}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(ts: i64) -> String {
        let mut v = Vec::new();
        write_rfc3339_nano(&mut v, ts);
        String::from_utf8(v).unwrap_or_default()
    }

    #[test]
    fn rfc3339_nano_matches_go() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (10, "1970-01-01T00:00:00.00000001Z"),
            (1_704_067_200_000_000_000, "2024-01-01T00:00:00Z"),
            (1_700_000_000_123_000_000, "2023-11-14T22:13:20.123Z"),
            (-1, "1969-12-31T23:59:59.999999999Z"),
            (i64::MAX, "2262-04-11T23:47:16.854775807Z"),
            (i64::MIN, "1677-09-21T00:12:43.145224192Z"),
        ];
        for (ts, want) in cases {
            assert_eq!(rfc(ts), want, "ts={ts}");
        }
    }

    #[test]
    fn rfc3339_nano_in_a_zone_matches_go() {
        let rfc_in = |ts: i64, off: i32| {
            let mut v = Vec::new();
            write_rfc3339_nano_in(&mut v, ts, off);
            String::from_utf8(v).unwrap_or_default()
        };
        let jan1 = 1_704_067_200_000_000_000;
        let cases = [
            (jan1, -6 * 3600, "2023-12-31T18:00:00-06:00"),
            (
                jan1 + 10_500_000_000,
                -6 * 3600,
                "2023-12-31T18:00:10.5-06:00",
            ),
            (
                jan1 - 1_800_000_000_000,
                19_800,
                "2024-01-01T05:00:00+05:30",
            ),
            (jan1, 0, "2024-01-01T00:00:00Z"),
            (0, 3600, "1970-01-01T01:00:00+01:00"),
            (i64::MAX, 3600, "2262-04-12T00:47:16.854775807+01:00"),
        ];
        for (ts, off, want) in cases {
            assert_eq!(rfc_in(ts, off), want, "ts={ts} off={off}");
        }
    }

    #[test]
    fn go_duration_strings() {
        let s = NANOS_PER_SECOND;
        let cases = [
            (0, "0s"),
            (3600 * s, "1h0m0s"),
            (168 * 3600 * s, "168h0m0s"),
            (90 * s, "1m30s"),
            (s + s / 2, "1.5s"),
            (61 * s + s / 2, "1m1.5s"),
            (500_000_000, "500ms"),
            (1_500_000, "1.5ms"),
            (1_000, "1µs"),
            (3, "3ns"),
            (-90 * s, "-1m30s"),
        ];
        for (d, want) in cases {
            assert_eq!(format_go_duration(d), want, "d={d}");
        }
    }

    #[test]
    fn influxql_durations() {
        let s = NANOS_PER_SECOND;
        let cases = [
            (0, "0s"),
            (14 * 86_400 * s, "2w"),
            (7 * 86_400 * s, "1w"),
            (3 * 86_400 * s, "3d"),
            (90 * 60 * s, "90m"),
            (3600 * s, "1h"),
            (1_500_000_000, "1500ms"),
            (3_000, "3u"),
            (7, "7ns"),
            (-3600 * s, "-1h"),
        ];
        for (d, want) in cases {
            assert_eq!(format_influxql_duration(d), want, "d={d}");
        }
    }
}
