//! The technical-analysis transformations of InfluxDB 1.8 (its vendored `gota` package), written
//! from gota's definitions: `exponential_moving_average`, `double_…`, `triple_…`,
//! `relative_strength_index`, `triple_exponential_derivative`, `kaufmans_efficiency_ratio`,
//! `kaufmans_adaptive_moving_average`, `chande_momentum_oscillator`.
//!
//! Invariants:
//! 1. Every input row is fed to the algorithm in processing order; an output row is emitted, at
//!    the input row's time, once more than `hold` rows have been fed. `hold = -1` means the
//!    algorithm's warm-up count (below).
//! 2. `triple_exponential_derivative`, `kaufmans_efficiency_ratio` and
//!    `kaufmans_adaptive_moving_average` drop a row whose value is ±infinity (InfluxDB's reducers
//!    do); the others emit whatever the algorithm computed.
//! 3. Floating-point operations are done in gota's order (running sums updated by subtract-then-
//!    add, alpha computed per step), so results match InfluxDB's to the last bits.
//!
//! The algorithms (`n` = period):
//! - EMA: alpha `2 / (n + 1)`; a stage counts up to `n` and is then warmed. While warming,
//!   `'exponential'` uses alpha `2 / (count + 2)`, `'simple'` a running mean. Warm-up count `n - 1`.
//! - DEMA/TEMA: chained EMAs (`2e1 - e2`, `3e1 - 3e2 + e3`); under `'simple'` a stage feeds the next
//!   only once warmed. Warm-up count `n - 1` (exponential) or the sum over the stages (simple).
//! - RSI: EMAs of length `n + 1` with alpha `1 / n` over the upward and downward moves (the
//!   previous value starts at 0); `100 - 100 / (1 + up / down)`. Warm-up count `n`.
//! - TRIX: three chained EMAs (as TEMA's stages) and the percentage change of the third from one
//!   row to the next. Warm-up count `n` (exponential) or `3(n - 1) + 1` (simple).
//! - KER: over a ring of the last `n` prices, |price − price n rows back| / sum of the |moves|
//!   (0 when either is 0); the ring starts zeroed. Warm-up count `n`.
//! - KAMA: `last += sc·(v − last)` with `sc = (er·(2/3 − 2/31) + 2/31)²`; until the KER is warmed
//!   (`n + 1` rows) `last` restarts from the previous price. Warm-up count `n`.
//! - CMO, warm-up `'none'` (the default): running sums of the up and down moves over a ring of
//!   `n - 1` rows, `100·(up − down)/(up + down)` (0 when both are 0). Warm-up count `n - 1`.
//!   With `'exponential'`/`'simple'`: as RSI's EMAs, `100·(up − down)/(up + down)`; count `n`.

use super::call::transform_name;
use super::{TransformCall, TransformFn};
use crate::exec::error::ExecError;
use crate::response::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Warmup {
    Exponential,
    Simple,
    /// `chande_momentum_oscillator`'s unsmoothed variant.
    None,
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
        self.period.saturating_sub(1)
    }

    fn warmed(&self) -> bool {
        self.count == self.period
    }

    /// Whether this stage's output feeds the next stage of a chain.
    fn feeds_next(&self) -> bool {
        self.warmed() || self.warm != Warmup::Simple
    }

    fn add(&mut self, v: f64) -> f64 {
        let avg = if self.count == 0 {
            v
        } else if !self.warmed() {
            match self.warm {
                Warmup::Simple => (self.last * self.count as f64 + v) / (self.count as f64 + 1.0),
                Warmup::Exponential | Warmup::None => {
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
            avgs[s] = if prev.feeds_next() {
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

/// The upward and downward moves smoothed by EMAs of length `n + 1`, alpha `1 / n` (RSI and the
/// smoothed CMO).
struct UpDown {
    up: Ema,
    down: Ema,
    last_v: f64,
}

impl UpDown {
    fn new(period: usize, warm: Warmup) -> UpDown {
        let mut ema = Ema::new(period + 1, warm);
        ema.alpha = 1.0 / period as f64;
        UpDown {
            up: ema,
            down: ema,
            last_v: 0.0,
        }
    }

    fn warm_count(&self) -> usize {
        self.up.warm_count()
    }

    /// The smoothed (up, down) after adding `v`.
    fn add(&mut self, v: f64) -> (f64, f64) {
        let (mut up, mut down) = (0.0, 0.0);
        if v > self.last_v {
            up = v - self.last_v;
        } else if v < self.last_v {
            down = self.last_v - v;
        }
        self.up.add(up);
        self.down.add(down);
        self.last_v = v;
        (self.up.last, self.down.last)
    }
}

struct Trix {
    emas: [Ema; 3],
    last: f64,
}

impl Trix {
    fn warm_count(&self) -> usize {
        if self.emas[0].warm == Warmup::Simple {
            self.emas[0].warm_count() * 3 + 1
        } else {
            self.emas[0].warm_count() + 1
        }
    }

    fn add(&mut self, v: f64) -> f64 {
        let mut cur = self.emas[0].add(v);
        if self.emas[0].feeds_next() {
            cur = self.emas[1].add(cur);
            if self.emas[1].feeds_next() {
                cur = self.emas[2].add(cur);
            }
        }
        let rate = ((cur / self.last) - 1.0) * 100.0;
        self.last = cur;
        rate
    }
}

#[derive(Clone, Copy, Default)]
struct RingPoint {
    price: f64,
    diff: f64,
}

/// Kaufman's efficiency ratio over a ring of `n` points (newest at `idx`).
struct Ker {
    points: Vec<RingPoint>,
    noise: f64,
    count: usize,
    idx: usize,
}

impl Ker {
    fn new(period: usize) -> Ker {
        Ker {
            points: vec![RingPoint::default(); period.max(1)],
            noise: 0.0,
            count: 0,
            idx: 0,
        }
    }

    fn warm_count(&self) -> usize {
        self.points.len()
    }

    fn warmed(&self) -> bool {
        self.count == self.points.len() + 1
    }

    fn newest_price(&self) -> f64 {
        self.points.get(self.idx).map_or(0.0, |p| p.price)
    }

    fn add(&mut self, v: f64) -> f64 {
        let n = self.points.len();
        let oldest_idx = if self.idx + 1 >= n { 0 } else { self.idx + 1 };
        let oldest = self.points.get(oldest_idx).copied().unwrap_or_default();
        let signal = (v - oldest.price).abs();
        let kp = RingPoint {
            price: v,
            diff: (v - self.newest_price()).abs(),
        };
        self.noise -= oldest.diff;
        self.noise += kp.diff;
        self.idx = oldest_idx;
        if let Some(slot) = self.points.get_mut(oldest_idx) {
            *slot = kp;
        }
        if !self.warmed() {
            self.count += 1;
        }
        if signal == 0.0 || self.noise == 0.0 {
            0.0
        } else {
            signal / self.noise
        }
    }
}

struct Kama {
    ker: Ker,
    last: f64,
}

impl Kama {
    fn add(&mut self, v: f64) -> f64 {
        if !self.ker.warmed() {
            self.last = self.ker.newest_price();
        }
        let er = self.ker.add(v);
        // gota writes the constants as `2.0/(2.0+1.0) - 2.0/(30.0+1.0)` and `2.0/(30.0+1.0)`: Go
        // folds them exactly and rounds once, i.e. 56/93 and 2/31.
        let x = er * (56.0 / 93.0) + 2.0 / 31.0;
        let sc = x * x;
        self.last += sc * (v - self.last);
        self.last
    }
}

/// The unsmoothed Chande momentum oscillator over a ring of `n - 1` points.
struct Cmo {
    points: Vec<RingPoint>,
    sum_up: f64,
    sum_down: f64,
    count: usize,
    idx: usize,
}

impl Cmo {
    fn new(period: usize) -> Cmo {
        Cmo {
            points: vec![RingPoint::default(); period.saturating_sub(1)],
            sum_up: 0.0,
            sum_down: 0.0,
            count: 0,
            idx: 0,
        }
    }

    fn warm_count(&self) -> usize {
        self.points.len()
    }

    fn add(&mut self, v: f64) -> f64 {
        let n = self.points.len();
        let oldest_idx = if self.idx + 1 >= n { 0 } else { self.idx + 1 };
        let mut diff = 0.0;
        if self.count != 0 {
            let prev = self.points.get(self.idx).copied().unwrap_or_default();
            diff = v - prev.price;
            if diff > 0.0 {
                self.sum_up += diff;
            } else if diff < 0.0 {
                self.sum_down -= diff;
            }
        }
        let mut out = 0.0;
        if self.sum_up != 0.0 || self.sum_down != 0.0 {
            out = 100.0 * ((self.sum_up - self.sum_down) / (self.sum_up + self.sum_down));
        }
        let oldest = self.points.get(oldest_idx).copied().unwrap_or_default();
        if oldest.diff > 0.0 {
            self.sum_up -= oldest.diff;
        } else if oldest.diff < 0.0 {
            self.sum_down += oldest.diff;
        }
        if let Some(slot) = self.points.get_mut(oldest_idx) {
            *slot = RingPoint { price: v, diff };
        }
        self.idx = oldest_idx;
        // gota stops counting once warmed (`count == n + 2`); only `count != 0` matters here.
        if self.count < n + 2 {
            self.count += 1;
        }
        out
    }
}

enum Alg {
    Chain(Chain),
    Rsi(UpDown),
    Cmos(UpDown),
    Trix(Trix),
    Ker(Ker),
    Kama(Kama),
    Cmo(Cmo),
}

impl Alg {
    fn warm_count(&self) -> usize {
        match self {
            Alg::Chain(c) => c.warm_count(),
            Alg::Rsi(u) | Alg::Cmos(u) => u.warm_count(),
            Alg::Trix(t) => t.warm_count(),
            Alg::Ker(k) => k.warm_count(),
            Alg::Kama(k) => k.ker.warm_count(),
            Alg::Cmo(c) => c.warm_count(),
        }
    }

    fn add(&mut self, v: f64) -> f64 {
        match self {
            Alg::Chain(c) => c.add(v),
            Alg::Rsi(u) => {
                let (up, down) = u.add(v);
                100.0 - (100.0 / (1.0 + up / down))
            }
            Alg::Cmos(u) => {
                let (up, down) = u.add(v);
                100.0 * ((up - down) / (up + down))
            }
            Alg::Trix(t) => t.add(v),
            Alg::Ker(k) => k.add(v),
            Alg::Kama(k) => k.add(v),
            Alg::Cmo(c) => c.add(v),
        }
    }

    /// InfluxDB's TRIX/KER/KAMA reducers drop infinite values.
    fn drops_infinite(&self) -> bool {
        matches!(self, Alg::Trix(_) | Alg::Ker(_) | Alg::Kama(_))
    }
}

fn build(call: &TransformCall, period: usize, warm: Warmup) -> Result<Alg, ExecError> {
    use TransformFn::*;
    let chain = |stages: usize| {
        Alg::Chain(Chain {
            stages: vec![Ema::new(period, warm); stages],
        })
    };
    Ok(match call.func {
        ExponentialMovingAverage => chain(1),
        DoubleExponentialMovingAverage => chain(2),
        TripleExponentialMovingAverage => chain(3),
        RelativeStrengthIndex => Alg::Rsi(UpDown::new(period, warm)),
        TripleExponentialDerivative => Alg::Trix(Trix {
            emas: [Ema::new(period, warm); 3],
            last: 0.0,
        }),
        KaufmansEfficiencyRatio => Alg::Ker(Ker::new(period)),
        KaufmansAdaptiveMovingAverage => Alg::Kama(Kama {
            ker: Ker::new(period),
            last: 0.0,
        }),
        ChandeMomentumOscillator if warm == Warmup::None => Alg::Cmo(Cmo::new(period)),
        ChandeMomentumOscillator => Alg::Cmos(UpDown::new(period, warm)),
        other => {
            return Err(ExecError::Unsupported(format!(
                "{}()",
                transform_name(other)
            )));
        }
    })
}

pub(super) fn apply(
    call: &TransformCall,
    series: &[(i64, f64)],
) -> Result<Vec<(i64, f64)>, ExecError> {
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
        Some(Value::Str(s)) if s == "none" => Warmup::None,
        Some(Value::Str(_)) => Warmup::Exponential,
        // Defaults (the call builder normally fills these in): CMO is unsmoothed.
        _ if call.func == TransformFn::ChandeMomentumOscillator => Warmup::None,
        _ => Warmup::Exponential,
    };
    let mut alg = build(call, period, warm)?;
    let hold = if hold == -1 {
        alg.warm_count()
    } else {
        hold.max(0) as usize
    };
    let drop_inf = alg.drops_infinite();
    let mut out = Vec::with_capacity(series.len().saturating_sub(hold));
    for (count, &(t, v)) in series.iter().enumerate() {
        let value = alg.add(v);
        if count + 1 > hold && !(drop_inf && value.is_infinite()) {
            out.push((t, value));
        }
    }
    Ok(out)
}
