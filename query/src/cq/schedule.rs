//! InfluxDB 1.6.7's continuous-query scheduler as a pure function (reference §6.2): given a CQ's
//! timing, its last run and `now`, whether it runs and which window `[start, end)` it computes.
//!
//! With I = GROUP BY interval, O = offset (Go's `offset % I`, sign kept), E = RESAMPLE EVERY
//! (default I), F = RESAMPLE FOR and `trunc(t, d)` = the zone-aligned floor (UTC without `tz()`):
//!
//! ```text
//! never ran:  run, nextRun = now
//! else:       nextRun = LastRun + E (DST-adjusted); run when nextRun <= now
//! LastRun     = trunc(now - O, E) + O
//! resampleFor = F, else E when I < E, else I
//! E'          = min(E, I)
//! start       = trunc(nextRun + I - resampleFor - O - 1ns, I) + O
//! end         = trunc(now + I - E' - O, I) + O
//! end <= start: nothing to compute (LastRun is still updated)
//! ```

use crate::ast::{CreateContinuousQueryStatement, Expr, Literal};
use crate::exec::{ExecError, eval_time};
use crate::time::Zone;

/// When a continuous query runs and what it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// GROUP BY time interval, ns (> 0).
    pub interval: i64,
    /// GROUP BY time offset, ns: InfluxDB's `offset % interval`, which keeps the sign.
    pub offset: i64,
    /// RESAMPLE EVERY (ns), the interval when absent.
    pub every: i64,
    /// RESAMPLE FOR (ns), `None` when absent.
    pub resample_for: Option<i64>,
    /// The `tz()` zone, `None` for UTC.
    pub zone: Option<Zone>,
}

/// The outcome of one scheduler pass for one CQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The CQ's LastRun after this pass (unchanged when it was not due).
    pub last_run: Option<i64>,
    /// The window to compute, when it was due and the window is not empty.
    pub window: Option<(i64, i64)>,
    /// Whether the CQ was due (its LastRun moved), even when the window was empty.
    pub due: bool,
    /// When due: the window's start (also when the window is empty; restart backfill fills up
    /// to it).
    pub start: Option<i64>,
}

impl Timing {
    /// The timing of a parsed CQ; errors when its GROUP BY time is missing or invalid.
    pub fn of(s: &CreateContinuousQueryStatement) -> Result<Timing, ExecError> {
        let mut interval = None;
        let mut offset = 0;
        for d in &s.select.dimensions {
            let Expr::Call { name, args } = d.expr.unparen() else {
                continue;
            };
            if !name.eq_ignore_ascii_case("time") {
                continue;
            }
            let i = match args.first().map(Expr::unparen) {
                Some(Expr::Literal(Literal::Duration(i))) if *i > 0 => *i,
                _ => {
                    return Err(ExecError::Invalid(
                        "time dimension must have a positive duration argument".into(),
                    ));
                }
            };
            offset = match args.get(1).map(Expr::unparen) {
                None => 0,
                Some(Expr::Literal(Literal::Duration(o))) => o % i,
                Some(e) => eval_time(e, 0)?.rem_euclid(i),
            };
            interval = Some(i);
        }
        let interval = interval.ok_or_else(|| {
            ExecError::Invalid("continuous query has no GROUP BY time(...)".into())
        })?;
        let zone = match &s.select.timezone {
            None => None,
            Some(z) => Some(
                Zone::parse(z)
                    .ok_or_else(|| ExecError::Invalid(format!("unable to find time zone {z}")))?,
            )
            .filter(|z| !z.is_utc()),
        };
        Ok(Timing {
            interval,
            offset,
            every: s.resample_every.unwrap_or(interval),
            resample_for: s.resample_for,
            zone,
        })
    }

    /// `trunc(t - shift, d) + shift`, aligned in the CQ's zone.
    pub fn floor(&self, t: i64, d: i64, shift: i64) -> i64 {
        match self.zone {
            Some(z) => z.bucket_start(t, d, shift),
            None => {
                let base = t.saturating_sub(shift);
                base.saturating_sub(base.rem_euclid(d))
                    .saturating_add(shift)
            }
        }
    }

    /// The start of the window (bucket) holding `t`.
    pub fn bucket_start(&self, t: i64) -> i64 {
        self.floor(t, self.interval, self.offset)
    }

    /// The end of the bucket starting at `start` (a zone's DST change can make it longer or
    /// shorter than the interval for intervals of a day or more).
    pub fn bucket_end(&self, start: i64) -> i64 {
        let guess = start.saturating_add(self.interval);
        match self.zone {
            // The next bucket start after `start`: the floor of a point late in the bucket.
            Some(_) => {
                let mut end = self.bucket_start(guess);
                if end <= start {
                    end = self.bucket_start(guess.saturating_add(self.interval / 2));
                }
                if end <= start { guess } else { end }
            }
            None => guess,
        }
    }

    /// The first window start computed by a run that becomes due at `now` after running last at
    /// `last_run` (see the module doc).
    pub fn decide(&self, last_run: Option<i64>, now: i64) -> Decision {
        let (i, o, e) = (self.interval, self.offset, self.every);
        let next_run = match last_run {
            None => now,
            Some(last) => {
                let mut next = last.saturating_add(e);
                if let Some(z) = self.zone {
                    let diff = z.offset_ns(last) - z.offset_ns(next);
                    if diff != 0 && diff.abs() < e {
                        next = next.saturating_add(diff);
                    }
                }
                if next > now {
                    return Decision {
                        last_run,
                        window: None,
                        due: false,
                        start: None,
                    };
                }
                next
            }
        };
        let new_last = self.floor(now, e, o);
        let resample_for = match self.resample_for {
            Some(f) => f,
            None if i < e => e,
            None => i,
        };
        let e2 = e.min(i);
        let start = self.floor(
            next_run.saturating_add(i - resample_for).saturating_sub(1),
            i,
            o,
        );
        let end = self.floor(now.saturating_add(i - e2), i, o);
        Decision {
            last_run: Some(new_last),
            window: (end > start).then_some((start, end)),
            due: true,
            start: Some(start),
        }
    }
}
