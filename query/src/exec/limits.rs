//! Per-query limits and interruption (InfluxDB's `[coordinator]` settings and `KILL QUERY`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

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
const TIMED_OUT: u8 = 2;

/// A flag the query manager sets to stop a running query; executors poll [`Interrupt::check`]
/// between batches. The default never fires.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Option<Arc<AtomicU8>>);

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt(Some(Arc::new(AtomicU8::new(RUNNING))))
    }

    /// `KILL QUERY`.
    pub fn kill(&self) {
        self.set(KILLED);
    }

    /// `query-timeout` elapsed.
    pub fn time_out(&self) {
        self.set(TIMED_OUT);
    }

    fn set(&self, state: u8) {
        if let Some(a) = &self.0 {
            let _ = a.compare_exchange(RUNNING, state, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// `Err` with InfluxDB's text once the query was killed or timed out.
    pub fn check(&self) -> Result<(), ExecError> {
        match self.0.as_ref().map(|a| a.load(Ordering::Relaxed)) {
            Some(KILLED) => Err(ExecError::Invalid("query killed".into())),
            Some(TIMED_OUT) => Err(ExecError::Invalid("query timeout reached".into())),
            _ => Ok(()),
        }
    }
}
