//! Parsing `--start` and `--span`: when the workload's first timestamp is and how far lines are apart.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

const NANOS_PER_MINUTE: i64 = 60_000_000_000;

/// Nanoseconds since the epoch of `--start`, given "now" (ns) for the relative forms.
/// Accepted: RFC3339 in UTC, `now`, `now-<humantime>` or `now+<humantime>`; absent = `now-1h`.
/// Relative forms are rounded down to the whole minute so repeated runs in the same minute agree.
pub fn parse_start(spec: Option<&str>, now_ns: i64) -> anyhow::Result<i64> {
    let spec = spec.unwrap_or("now-1h").trim();
    if let Some(rest) = spec.strip_prefix("now") {
        let rest = rest.trim();
        let offset = if rest.is_empty() {
            0
        } else {
            let (sign, dur) = match rest.split_at(1) {
                ("-", d) => (-1i64, d),
                ("+", d) => (1i64, d),
                _ => {
                    bail!("--start {spec:?}: expected `now`, `now-<duration>` or `now+<duration>`")
                }
            };
            let d = humantime::parse_duration(dur.trim()).with_context(|| {
                format!("--start {spec:?}: bad duration {dur:?} (examples: 1h, 90m, 2d)")
            })?;
            sign * i64::try_from(d.as_nanos()).context("--start: duration too large")?
        };
        let t = now_ns
            .checked_add(offset)
            .context("--start: timestamp out of range")?;
        return Ok(t.div_euclid(NANOS_PER_MINUTE) * NANOS_PER_MINUTE);
    }
    let t = humantime::parse_rfc3339_weak(spec).with_context(|| {
        format!("--start {spec:?}: expected RFC3339 in UTC like 2024-05-01T00:00:00Z, or now-1h")
    })?;
    system_time_ns(t)
}

pub fn now_ns() -> anyhow::Result<i64> {
    system_time_ns(SystemTime::now())
}

fn system_time_ns(t: SystemTime) -> anyhow::Result<i64> {
    let d = t
        .duration_since(UNIX_EPOCH)
        .context("time before 1970 is not supported")?;
    i64::try_from(d.as_nanos()).context("timestamp beyond year 2262 is not supported")
}

/// Nanoseconds between consecutive lines: `1e9 / rate` if a rate is given, else `span / lines`.
pub fn ns_per_line(rate: Option<f64>, span: &str, lines: u64) -> anyhow::Result<f64> {
    if let Some(r) = rate {
        if !(r.is_finite() && r > 0.0) {
            bail!("--rate {r}: expected a positive number of lines per second");
        }
        return Ok(1e9 / r);
    }
    let d: Duration = humantime::parse_duration(span)
        .with_context(|| format!("--span {span:?}: expected e.g. 1h, 30m"))?;
    Ok(d.as_nanos() as f64 / lines.max(1) as f64)
}

/// Adds `delta` ns to the timestamp ending every line of `data` (line protocol as the generator
/// writes it: `… <timestamp>\n`), keeping each timestamp's width (19 digits from 2001 to 2286).
/// In place, no allocation (`--stamp-at-send` runs it on every batch while posting).
pub fn shift_timestamps(data: &mut [u8], delta: i64) -> anyhow::Result<()> {
    let mut begin = 0usize;
    while begin < data.len() {
        let end = data[begin..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |p| begin + p);
        let line = &mut data[begin..end];
        if !line.is_empty() {
            let at = timestamp_at(line);
            let digits = &mut line[at..];
            let t = parse_digits(digits)
                .with_context(|| format!("line without a timestamp at byte {begin}"))?;
            let shifted = t
                .checked_add(delta)
                .context("shifted timestamp out of range")?;
            if !write_digits(shifted, digits) {
                bail!("timestamp {t} changes width when shifted by {delta} ns");
            }
        }
        begin = end + 1;
    }
    Ok(())
}

/// The timestamp ending the first line of `data` (`None` if it has none).
pub fn first_timestamp(data: &[u8]) -> Option<i64> {
    let end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let line = &data[..end];
    parse_digits(&line[timestamp_at(line)..])
}

/// Where a generated line's timestamp (its last space-separated field) begins.
fn timestamp_at(line: &[u8]) -> usize {
    line.iter().rposition(|&b| b == b' ').map_or(0, |p| p + 1)
}

/// A non-negative decimal integer of 1–19 digits (line protocol timestamps of 1973–2286 have 18
/// or 19), overflow checked.
fn parse_digits(d: &[u8]) -> Option<i64> {
    if d.is_empty() || d.len() > 19 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    d.iter().try_fold(0i64, |n, &b| {
        n.checked_mul(10)?.checked_add(i64::from(b - b'0'))
    })
}

/// Writes non-negative `n` into `out` with exactly `out.len()` digits; false if it does not fit
/// that width exactly (no leading zeros are added).
fn write_digits(mut n: i64, out: &mut [u8]) -> bool {
    if n < 0 {
        return false;
    }
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    n == 0 && (out.len() == 1 || out[0] != b'0')
}
