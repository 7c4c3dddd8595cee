//! Per-query limits and interruption (InfluxDB's `[coordinator]` settings and `KILL QUERY`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use super::error::ExecError;

/// Limits a SELECT checks while it runs; 0 means unlimited (InfluxDB's defaults).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryLimits {
    /// `max-select-point`: points a statement may read.
    pub max_select_point: u64,
    /// `max-select-series`: series a statement may touch.
    pub max_select_series: u64,
    /// `max-select-buckets`: GROUP BY time buckets a statement may produce.
    pub max_select_buckets: u64,
}

impl QueryLimits {
    /// `Err` with InfluxDB's text when `n` points exceed `max-select-point`.
    pub fn check_points(&self, n: u64) -> Result<(), ExecError> {
        check(n, self.max_select_point, "max-select-point")
    }

    pub fn check_series(&self, n: u64) -> Result<(), ExecError> {
        check(n, self.max_select_series, "max-select-series")
    }

    pub fn check_buckets(&self, n: u64) -> Result<(), ExecError> {
        check(n, self.max_select_buckets, "max-select-buckets")
    }
}

fn check(n: u64, max: u64, what: &str) -> Result<(), ExecError> {
    if max > 0 && n > max {
        return Err(ExecError::Invalid(format!(
            "{what} limit exceeded: ({n}/{max})"
        )));
    }
    Ok(())
}

const RUNNING: u8 = 0;
const KILLED: u8 = 1;

/// A flag the query manager sets to stop a running query, plus its `query-timeout` deadline;
/// executors poll [`Interrupt::check`] between batches. The default never fires.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    flag: Option<Arc<AtomicU8>>,
    deadline: Option<Instant>,
}

impl Interrupt {
    /// A live interrupt that times out at `deadline` (never when `None`).
    pub fn new(deadline: Option<Instant>) -> Interrupt {
        Interrupt {
            flag: Some(Arc::new(AtomicU8::new(RUNNING))),
            deadline,
        }
    }

    /// `KILL QUERY`: returns `false` when it was already killed.
    pub fn kill(&self) -> bool {
        self.flag.as_ref().is_some_and(|a| {
            a.compare_exchange(RUNNING, KILLED, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        })
    }

    pub fn is_killed(&self) -> bool {
        self.flag
            .as_ref()
            .is_some_and(|a| a.load(Ordering::Relaxed) == KILLED)
    }

    /// `Err` with InfluxDB's text once the query was killed or its timeout passed.
    pub fn check(&self) -> Result<(), ExecError> {
        if self.is_killed() {
            return Err(ExecError::Invalid("query interrupted".into()));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(ExecError::Invalid("query-timeout limit exceeded".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn limits_zero_is_unlimited_and_texts_match_influxdb() {
        let l = QueryLimits::default();
        assert!(l.check_points(u64::MAX).is_ok());
        let l = QueryLimits {
            max_select_point: 10,
            max_select_series: 2,
            max_select_buckets: 5,
        };
        assert!(l.check_points(10).is_ok());
        assert_eq!(
            l.check_points(11).unwrap_err().to_string(),
            "max-select-point limit exceeded: (11/10)"
        );
        assert_eq!(
            l.check_series(3).unwrap_err().to_string(),
            "max-select-series limit exceeded: (3/2)"
        );
        assert_eq!(
            l.check_buckets(6).unwrap_err().to_string(),
            "max-select-buckets limit exceeded: (6/5)"
        );
    }

    #[test]
    fn interrupt_kill_and_deadline() {
        assert!(Interrupt::default().check().is_ok());
        assert!(!Interrupt::default().kill());
        let i = Interrupt::new(None);
        let seen_by_executor = i.clone();
        assert!(seen_by_executor.check().is_ok());
        assert!(i.kill());
        assert!(!i.kill(), "a second kill reports already killed");
        assert_eq!(
            seen_by_executor.check().unwrap_err().to_string(),
            "query interrupted"
        );
        let t = Interrupt::new(Some(Instant::now() - Duration::from_millis(1)));
        assert_eq!(
            t.check().unwrap_err().to_string(),
            "query-timeout limit exceeded"
        );
        assert!(
            Interrupt::new(Some(Instant::now() + Duration::from_secs(60)))
                .check()
                .is_ok()
        );
    }
}
