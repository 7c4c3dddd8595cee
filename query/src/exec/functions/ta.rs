//! The technical-analysis transformations of InfluxDB 1.8 (its vendored `gota` package).
//!
//! Implemented, following gota's definitions: `exponential_moving_average`,
//! `double_exponential_moving_average`, `triple_exponential_moving_average`, with the optional
//! hold period (rows emitted only after `hold` inputs; `-1` = the algorithm's warm-up count:
//! `period - 1` for EMA and for DEMA/TEMA warmed exponentially, the sum over the stages when warmed
//! `'simple'`) and warm-up type (`'exponential'`: alpha scaled to `2 / (count + 2)` while warming;
//! `'simple'`: a running simple average while warming).
//!
//! Invariants:
//! 1. One output row per input row once more than `hold` rows have been seen, at the input's time.
//! 2. EMA alpha is `2 / (period + 1)`; a stage counts up to `period` and is then "warmed".
//!
//! Not implemented yet (the calls validate, evaluation answers `… is not supported yet`):
//! `relative_strength_index`, `triple_exponential_derivative`, `kaufmans_efficiency_ratio`,
//! `kaufmans_adaptive_moving_average`, `chande_momentum_oscillator`.

use super::call::transform_name;
use super::{TransformCall, TransformFn};
use crate::exec::error::ExecError;
use crate::response::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Warmup {
    Exponential,
    Simple,
}

#[derive(Clone, Copy)]
struct Ema {
    period: usize,
    last: f64,
    count: usize,
    alpha: f64,
    warm: Warmup,
}

impl Ema {
    fn new(period: usize, warm: Warmup) -> Ema {
        Ema {
            period,
            last: 0.0,
            count: 0,
            alpha: 2.0 / (period as f64 + 1.0),
            warm,
        }
    }

    fn warm_count(&self) -> usize {
        self.period - 1
    }

    fn warmed(&self) -> bool {
        self.count == self.period
    }

    fn add(&mut self, v: f64) -> f64 {
        let avg = if self.count == 0 {
            v
        } else if !self.warmed() {
            match self.warm {
                Warmup::Simple => (self.last * self.count as f64 + v) / (self.count as f64 + 1.0),
                Warmup::Exponential => {
                    (v - self.last) * (2.0 / (self.count as f64 + 2.0)) + self.last
                }
            }
        } else {
            (v - self.last) * self.alpha + self.last
        };
        self.last = avg;
        if self.count < self.period {
            self.count += 1;
        }
        avg
    }
}

/// Chained EMA stages: 1 = EMA, 2 = DEMA, 3 = TEMA.
struct Chain {
    stages: Vec<Ema>,
}

impl Chain {
    fn warm_count(&self) -> usize {
        if self.stages[0].warm == Warmup::Exponential {
            self.stages[0].warm_count()
        } else {
            self.stages.iter().map(Ema::warm_count).sum()
        }
    }

    fn add(&mut self, v: f64) -> f64 {
        let mut avgs = [0.0f64; 3];
        avgs[0] = self.stages[0].add(v);
        for s in 1..self.stages.len() {
            let prev = self.stages[s - 1];
            avgs[s] = if prev.warmed() || prev.warm == Warmup::Exponential {
                self.stages[s].add(avgs[s - 1])
            } else {
                avgs[s - 1]
            };
        }
        match self.stages.len() {
            1 => avgs[0],
            2 => 2.0 * avgs[0] - avgs[1],
            _ => 3.0 * avgs[0] - 3.0 * avgs[1] + avgs[2],
        }
    }
}

pub(super) fn apply(
    call: &TransformCall,
    series: &[(i64, f64)],
) -> Result<Vec<(i64, f64)>, ExecError> {
    let stages = match call.func {
        TransformFn::ExponentialMovingAverage => 1,
        TransformFn::DoubleExponentialMovingAverage => 2,
        TransformFn::TripleExponentialMovingAverage => 3,
        other => {
            return Err(ExecError::Unsupported(format!(
                "{}()",
                transform_name(other)
            )));
        }
    };
    let period = match call.args.first() {
        Some(Value::Int(p)) if *p >= 1 => *p as usize,
        _ => {
            return Err(ExecError::Invalid(format!(
                "{} period must be an integer",
                transform_name(call.func)
            )));
        }
    };
    let hold = match call.args.get(1) {
        Some(Value::Int(h)) => *h,
        _ => -1,
    };
    let warm = match call.args.get(2) {
        Some(Value::Str(s)) if s == "simple" => Warmup::Simple,
        _ => Warmup::Exponential,
    };
    let mut chain = Chain {
        stages: vec![Ema::new(period, warm); stages],
    };
    let hold = if hold == -1 {
        chain.warm_count()
    } else {
        hold.max(0) as usize
    };
    let mut out = Vec::with_capacity(series.len().saturating_sub(hold));
    for (count, &(t, v)) in series.iter().enumerate() {
        let value = chain.add(v);
        if count + 1 > hold {
            out.push((t, value));
        }
    }
    Ok(out)
}
