//! Time-literal parsing (`'2024-01-01T00:00:00Z'`, `'2024-01-01 12:00:00.5'`, `'2024-01-01'`).

use super::NANOS_PER_SECOND;
use super::civil::{days_from_civil, is_valid_date};

/// Nanoseconds of one InfluxQL duration unit (`ns u µ ms s m h d w`), `None` for anything else.
pub fn duration_unit_nanos(unit: &str) -> Option<i64> {
    Some(match unit {
        "ns" => 1,
        "u" | "µ" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS_PER_SECOND,
        "m" => 60 * NANOS_PER_SECOND,
        "h" => 3_600 * NANOS_PER_SECOND,
        "d" => 86_400 * NANOS_PER_SECOND,
        "w" => 7 * 86_400 * NANOS_PER_SECOND,
        // Extension: InfluxQL has no year unit, but Grafana renders `$__interval` as `1y` for long
        // ranges (grafana#4024); a year is 365 days (docs/influxql.md).
        "y" => 365 * 86_400 * NANOS_PER_SECOND,
        _ => return None,
    })
}

/// Parses an InfluxQL time literal to nanoseconds since the epoch; `None` when `s` is not one of the
/// accepted layouts, names an invalid date, or lies outside the `i64` nanosecond range.
pub fn parse_time_literal(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let year = digits(b, 0, 4)?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2)?;
    if !is_valid_date(year, month as u32, day as u32) {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    if b.len() == 10 {
        return days.checked_mul(86_400 * NANOS_PER_SECOND);
    }
    let rfc3339 = match b.get(10) {
        Some(b'T') => true,
        Some(b' ') => false,
        _ => return None,
    };
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b':')?;
    let min = digits(b, 14, 2)?;
    expect(b, 16, b':')?;
    let sec = digits(b, 17, 2)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            nanos *= 10;
        }
    }
    let mut offset_secs = 0i64;
    if rfc3339 {
        match b.get(i) {
            Some(b'Z') => i += 1,
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)?;
                expect(b, i + 3, b':')?;
                let om = digits(b, i + 4, 2)?;
                if oh > 23 || om > 59 {
                    return None;
                }
                offset_secs = (oh * 3600 + om * 60) * if sign == b'-' { -1 } else { 1 };
                i += 6;
            }
            _ => return None,
        }
    }
    if i != b.len() {
        return None;
    }
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_secs;
    secs.checked_mul(NANOS_PER_SECOND)?.checked_add(nanos)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let s = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn expect(b: &[u8], at: usize, c: u8) -> Option<()> {
    (b.get(at) == Some(&c)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_layouts() {
        let t = 1_704_067_200_000_000_000i64; // 2024-01-01T00:00:00Z
        let cases = [
            ("2024-01-01T00:00:00Z", Some(t)),
            ("2024-01-01T00:00:00.5Z", Some(t + 500_000_000)),
            ("2024-01-01T00:00:00.000000001Z", Some(t + 1)),
            ("2024-01-01T01:00:00+01:00", Some(t)),
            ("2023-12-31T18:00:00-06:00", Some(t)),
            ("2024-01-01 00:00:00", Some(t)),
            ("2024-01-01 00:00:10.25", Some(t + 10_250_000_000)),
            ("2024-01-01", Some(t)),
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2024-01-01T00:00:00", None),
            ("2024-01-01 00:00:00Z", None),
            ("2024-02-30", None),
            ("2024-01-01T24:00:00Z", None),
            ("2024-1-01", None),
            ("2024-01-01T00:00:00.Z", None),
            ("bogus", None),
            ("", None),
            ("9999-01-01", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_time_literal(s), want, "{s:?}");
        }
    }

    #[test]
    fn units() {
        assert_eq!(duration_unit_nanos("ms"), Some(1_000_000));
        assert_eq!(duration_unit_nanos("µ"), Some(1_000));
        assert_eq!(duration_unit_nanos("w"), Some(604_800_000_000_000));
        assert_eq!(
            duration_unit_nanos("y"),
            Some(365 * 86_400 * NANOS_PER_SECOND)
        );
        assert_eq!(duration_unit_nanos("yr"), None);
    }
}
