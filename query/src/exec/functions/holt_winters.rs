//! `holt_winters(agg, N, S)` / `holt_winters_with_fit`: InfluxDB 1.8's forecaster
//! (`FloatHoltWintersReducer`), re-implemented from its description:
//!
//! 1. Points are placed on the GROUP BY grid (times rounded to the interval, later points in an
//!    already-filled slot dropped, gaps as NaN).
//! 2. Initial level/trend/seasonals as InfluxDB computes them; the damped multiplicative-seasonal
//!    recurrences (`l = α·y/s + (1-α)(l' + φb')`, `b = β(l - l') + (1-β)φb'`, `s = γ·y/(l' + φb') +
//!    (1-γ)s'`, `ŷ = (l + φʰb)·s`) with parameters clamped to [0, 1].
//! 3. α, β, γ, φ fitted by Nelder–Mead minimising the SSE over the fit period, started from the
//!    same 3⁴ grid (0.3, 0.7 per parameter) with InfluxDB's epsilon 1e-4 and scale 1.
//!
//! How close: the model, the initial values, the grid and the termination rule follow InfluxDB;
//! the simplex routine is the classic Nelder–Mead (reflection 1, expansion 2, contraction 0.5,
//! shrink 0.5, regular initial simplex) which InfluxDB's `neldermead` package also implements, but
//! it is not a line-by-line port, so fitted parameters — and forecasts — can differ in the last
//! digits, and on flat SSE surfaces by more.

use std::f64::consts::SQRT_2;

const HW_WEIGHT: f64 = 0.5;
const EPSILON: f64 = 1.0e-4;
const GUESSES: [f64; 2] = [0.3, 0.7];
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
            phi_h += phi.powi(t as i32);
            if self.seasonal {
                seasonals[(t + so) % m] = s_new;
                so += 1;
            }
            out[t] = y_t;
        }
        out
    }

    fn sse(&self, params: &[f64]) -> f64 {
        let mut p = params.to_vec();
        let f = self.forecast(0, &mut p);
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

/// Nelder–Mead minimisation from `start` with a regular simplex of size `scale`.
fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    epsilon: f64,
    scale: f64,
) -> (f64, Vec<f64>) {
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
    let mut fv: Vec<f64> = v.iter().map(|x| f(x)).collect();
    for _ in 0..MAX_ITERATIONS {
        // Worst, second worst, best.
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| fv[a].total_cmp(&fv[b]));
        let (best, worst, second) = (order[0], order[n], order[n - 1]);
        // Centroid of all but the worst.
        let mut c = vec![0.0; n];
        for (i, x) in v.iter().enumerate() {
            if i != worst {
                for j in 0..n {
                    c[j] += x[j] / nf;
                }
            }
        }
        let at = |coef: f64| -> Vec<f64> {
            (0..n).map(|j| c[j] + coef * (v[worst][j] - c[j])).collect()
        };
        let r = at(-1.0);
        let fr = f(&r);
        if fr < fv[best] {
            let e = at(-2.0);
            let fe = f(&e);
            if fe < fr {
                v[worst] = e;
                fv[worst] = fe;
            } else {
                v[worst] = r;
                fv[worst] = fr;
            }
        } else if fr < fv[second] {
            v[worst] = r;
            fv[worst] = fr;
        } else {
            let (k, fk) = if fr < fv[worst] {
                let k = at(-0.5);
                let fk = f(&k);
                (k, fk)
            } else {
                let k = at(0.5);
                let fk = f(&k);
                (k, fk)
            };
            if fk < fv[worst].min(fr) {
                v[worst] = k;
                fv[worst] = fk;
            } else {
                let b = v[best].clone();
                for i in 0..=n {
                    if i != best {
                        for j in 0..n {
                            v[i][j] = b[j] + 0.5 * (v[i][j] - b[j]);
                        }
                        fv[i] = f(&v[i]);
                    }
                }
            }
        }
        let avg = fv.iter().sum::<f64>() / (nf + 1.0);
        let s = (fv.iter().map(|x| (x - avg) * (x - avg)).sum::<f64>() / nf).sqrt();
        if s < epsilon || s.is_nan() {
            break;
        }
    }
    let best = (0..=n)
        .min_by(|&a, &b| fv[a].total_cmp(&fv[b]))
        .unwrap_or(0);
    (fv[best], v[best].clone())
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
            l0 += v / m as f64;
        }
    } else {
        l0 = HW_WEIGHT * y[0];
    }
    let mut b0 = 0.0;
    if seasonal {
        for i in 0..m {
            if m + i < y.len() && !y[i].is_nan() && !y[m + i].is_nan() {
                b0 += (y[m + i] - y[i]) / (m * m) as f64;
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
    let objective = |p: &[f64]| model.sse(p);
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
