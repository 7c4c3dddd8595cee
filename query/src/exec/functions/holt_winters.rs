//! `holt_winters(agg, N, S)` / `holt_winters_with_fit`: InfluxDB 1.8's forecaster
//! (`FloatHoltWintersReducer`), re-implemented from its description:
//!
//! 1. Points are placed on the GROUP BY grid (times rounded to the interval, later points in an
//!    already-filled slot dropped, gaps as NaN).
//! 2. Initial level/trend/seasonals as InfluxDB computes them; the damped multiplicative-seasonal
//!    recurrences (`l = α·y/s + (1-α)(l' + φb')`, `b = β(l - l') + (1-β)φb'`, `s = γ·y/(l' + φb') +
//!    (1-γ)s'`, `ŷ = (l + φʰb)·s`) with parameters clamped to [0, 1].
//! 3. α, β, γ, φ fitted by Nelder–Mead minimising the SSE over the fit period, started from the
//!    same 2⁴ grid (0.3, 0.7 per parameter) with InfluxDB's epsilon 1e-4 and scale 1.
//! 4. The Nelder–Mead routine is InfluxDB's `neldermead` step for step (reflection 1, expansion 2,
//!    contraction 0.5, 1000 iterations, stop when the standard deviation of the vertex values is
//!    below epsilon), with its quirks kept: the SSE clamps the parameters and stores the seasonals
//!    in the vertex it evaluates, and a shrink re-evaluates only two vertices. Floating-point
//!    operations follow InfluxDB's order (`(1/m)·y`, `φ^t` by binary exponentiation), so
//!    forecasts match InfluxDB 1.6.7's recorded answers (compatibility corpus `ta-001`…`ta-004`).

use std::f64::consts::SQRT_2;

const HW_WEIGHT: f64 = 0.5;
const EPSILON: f64 = 1.0e-4;
/// InfluxDB's grid `for x := 0.3; x < 1.0; x += 0.4`, the second value computed as it is.
const GUESSES: [f64; 2] = [0.3, 0.3 + 0.4];
const MAX_ITERATIONS: usize = 1000;

fn round_time(t: i64, interval: i64) -> i64 {
    let r = t % interval;
    if r > interval / 2 {
        (t / interval + 1) * interval
    } else {
        (t / interval) * interval
    }
}

struct Model {
    y: Vec<f64>,
    seasonal: bool,
}

impl Model {
    fn forecast(&self, h: usize, params: &mut [f64]) -> Vec<f64> {
        for p in params.iter_mut().take(4) {
            *p = p.clamp(0.0, 1.0);
        }
        let (alpha, beta, gamma, phi) = (params[0], params[1], params[2], params[3]);
        let mut y_t = self.y[0];
        let mut phi_h = phi;
        let mut l_t = params[4];
        let mut b_t = params[5];
        let seasonals = &mut params[6..];
        let m = seasonals.len();
        let mut so = 0usize;
        if self.seasonal {
            if m == 1 {
                seasonals[0] = 1.0;
            }
            so = m - 1;
        }
        let l = self.y.len();
        let mut out = vec![0.0; l + h];
        out[0] = y_t;
        for t in 1..l + h {
            let (mut stm, mut stmh) = (1.0, 1.0);
            if self.seasonal {
                let hm = t % m;
                stm = seasonals[(t + so - m) % m];
                stmh = seasonals[(t + so + hm - m) % m];
            }
            let l_new = alpha * (y_t / stm) + (1.0 - alpha) * (l_t + phi * b_t);
            let b_new = beta * (l_new - l_t) + (1.0 - beta) * phi * b_t;
            let s_new = gamma * (y_t / (l_t + phi * b_t)) + (1.0 - gamma) * stm;
            y_t = (l_new + phi_h * b_new) * stmh;
            l_t = l_new;
            b_t = b_new;
            phi_h += pow_int(phi, t);
            if self.seasonal {
                seasonals[(t + so) % m] = s_new;
                so += 1;
            }
            out[t] = y_t;
        }
        out
    }

    /// The SSE over the fit period. Like InfluxDB's, it clamps `params` and leaves the last
    /// seasonals in them (the optimizer's vertices change when evaluated).
    fn sse(&self, params: &mut [f64]) -> f64 {
        let f = self.forecast(0, params);
        let mut sse = 0.0;
        for (fi, yi) in f.iter().zip(&self.y) {
            if !yi.is_nan() {
                if fi.is_nan() {
                    return f64::INFINITY;
                }
                sse += (fi - yi) * (fi - yi);
            }
        }
        sse
    }
}

/// `x^n` by binary exponentiation, low bits first — the multiplication order of Go's `math.Pow`
/// for an integral exponent (its scaled mantissas round the same way away from subnormals).
fn pow_int(x: f64, n: usize) -> f64 {
    let (mut result, mut base, mut n) = (1.0, x, n);
    while n != 0 {
        if n & 1 == 1 {
            result *= base;
        }
        base *= base;
        n >>= 1;
    }
    result
}

/// Nelder–Mead minimisation from `start` with a regular simplex of size `scale`, step for step as
/// InfluxDB's `neldermead` package does it (after M. F. Hutt's C routine), including its quirks:
/// the objective may rewrite the point it is given (InfluxDB's SSE clamps the parameters and stores
/// the seasonals in place), the second-worst vertex is the largest value strictly below the worst,
/// and after a shrink only the worst and second-worst values are re-evaluated.
fn nelder_mead(
    f: &dyn Fn(&mut [f64]) -> f64,
    start: &[f64],
    epsilon: f64,
    scale: f64,
) -> (f64, Vec<f64>) {
    const ALPHA: f64 = 1.0;
    const BETA: f64 = 0.5;
    const GAMMA: f64 = 2.0;
    let n = start.len();
    let nf = n as f64;
    let pn = scale * ((nf + 1.0).sqrt() - 1.0 + nf) / (nf * SQRT_2);
    let qn = scale * ((nf + 1.0).sqrt() - 1.0) / (nf * SQRT_2);
    let mut v: Vec<Vec<f64>> = (0..=n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == 0 {
                        start[j]
                    } else if i - 1 == j {
                        pn + start[j]
                    } else {
                        qn + start[j]
                    }
                })
                .collect()
        })
        .collect();
    let mut fv: Vec<f64> = v.iter_mut().map(|x| f(x)).collect();
    let mut vm = vec![0.0; n];
    let mut vr = vec![0.0; n];
    let mut ve = vec![0.0; n];
    let mut vc = vec![0.0; n];
    for _ in 0..MAX_ITERATIONS {
        let (mut vg, mut vs) = (0, 0);
        for i in 0..=n {
            if fv[i] > fv[vg] {
                vg = i;
            }
            if fv[i] < fv[vs] {
                vs = i;
            }
        }
        let mut vh = vs;
        for i in 0..=n {
            if fv[i] > fv[vh] && fv[i] < fv[vg] {
                vh = i;
            }
        }
        for (i, m) in vm.iter_mut().enumerate() {
            let mut cent = 0.0;
            for (row, x) in v.iter().enumerate() {
                if row != vg {
                    cent += x[i];
                }
            }
            *m = cent / nf;
        }
        for i in 0..n {
            vr[i] = vm[i] + ALPHA * (vm[i] - v[vg][i]);
        }
        let fr = f(&mut vr);
        if fr < fv[vh] && fr >= fv[vs] {
            v[vg].copy_from_slice(&vr);
            fv[vg] = fr;
        }
        if fr < fv[vs] {
            for i in 0..n {
                ve[i] = vm[i] + GAMMA * (vr[i] - vm[i]);
            }
            let fe = f(&mut ve);
            if fe < fr {
                v[vg].copy_from_slice(&ve);
                fv[vg] = fe;
            } else {
                v[vg].copy_from_slice(&vr);
                fv[vg] = fr;
            }
        }
        if fr >= fv[vh] {
            if fr < fv[vg] && fr >= fv[vh] {
                for i in 0..n {
                    vc[i] = vm[i] + BETA * (vr[i] - vm[i]);
                }
            } else {
                for i in 0..n {
                    vc[i] = vm[i] - BETA * (vm[i] - v[vg][i]);
                }
            }
            let fc = f(&mut vc);
            if fc < fv[vg] {
                v[vg].copy_from_slice(&vc);
                fv[vg] = fc;
            } else {
                let best = v[vs].clone();
                for (row, x) in v.iter_mut().enumerate() {
                    if row != vs {
                        for i in 0..n {
                            x[i] = best[i] + (x[i] - best[i]) / 2.0;
                        }
                    }
                }
                fv[vg] = f(&mut v[vg]);
                fv[vh] = f(&mut v[vh]);
            }
        }
        let favg = fv.iter().sum::<f64>() / (nf + 1.0);
        let mut s = 0.0;
        for x in &fv {
            s += pow_int(x - favg, 2) / nf;
        }
        if s.sqrt() < epsilon {
            break;
        }
    }
    let mut vs = 0;
    for i in 0..=n {
        if fv[i] < fv[vs] {
            vs = i;
        }
    }
    let params = v[vs].clone();
    let min = f(&mut v[vs]);
    (min, params)
}

/// Forecast rows (time, value). `with_fit` also returns the fitted values over the input period.
pub(super) fn forecast(
    points: &[(i64, f64)],
    h: i64,
    m: i64,
    interval: i64,
    with_fit: bool,
) -> Vec<(i64, f64)> {
    let seasonal = m >= 2;
    let m = m.max(0) as usize;
    if points.len() < 2 || (seasonal && points.len() < m) || h <= 0 || interval <= 0 {
        return Vec::new();
    }
    let h = h as usize;
    let start = round_time(points[0].0, interval);
    let stop = round_time(points[points.len() - 1].0, interval);
    if (stop - start) / interval <= 0 {
        return Vec::new();
    }
    let mut y = vec![points[0].1];
    let mut t = start;
    for &(pt, pv) in &points[1..] {
        let rounded = round_time(pt, interval);
        if rounded <= t {
            continue;
        }
        t += interval;
        while rounded != t {
            y.push(f64::NAN);
            t += interval;
        }
        y.push(pv);
    }
    if seasonal && y.len() < m {
        return Vec::new();
    }
    let mut l0 = 0.0;
    if seasonal {
        for v in y.iter().take(m).filter(|v| !v.is_nan()) {
            l0 += (1.0 / m as f64) * v;
        }
    } else {
        l0 = HW_WEIGHT * y[0];
    }
    let mut b0 = 0.0;
    if seasonal {
        for i in 0..m {
            if m + i < y.len() && !y[i].is_nan() && !y[m + i].is_nan() {
                b0 += 1.0 / (m * m) as f64 * (y[m + i] - y[i]);
            }
        }
    } else if y.len() > 1 && !y[1].is_nan() {
        b0 = HW_WEIGHT * (y[1] - y[0]);
    }
    let mut params = vec![0.0; 6];
    params[4] = l0;
    params[5] = b0;
    if seasonal {
        params.extend(
            y.iter()
                .take(m)
                .map(|v| if v.is_nan() { 0.0 } else { v / l0 }),
        );
    }
    let model = Model { y, seasonal };
    let objective = |p: &mut [f64]| model.sse(p);
    let mut best: Option<(f64, Vec<f64>)> = None;
    for &a in &GUESSES {
        for &b in &GUESSES {
            for &g in &GUESSES {
                for &p in &GUESSES {
                    params[0] = a;
                    params[1] = b;
                    params[2] = g;
                    params[3] = p;
                    let (sse, fitted) = nelder_mead(&objective, &params, EPSILON, 1.0);
                    if best.as_ref().is_none_or(|(s, _)| sse < *s) {
                        best = Some((sse, fitted));
                    }
                }
            }
        }
    }
    let Some((_, mut fitted)) = best else {
        return Vec::new();
    };
    let values = model.forecast(h, &mut fitted);
    if with_fit {
        let first = points[0].0;
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| (first + interval * i as i64, *v))
            .collect()
    } else {
        let last = points[points.len() - 1].0;
        values[model.y.len()..]
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| (last + interval * (i as i64 + 1), *v))
            .collect()
    }
}
