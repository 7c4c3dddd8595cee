//! Per-slot accumulators of aggregate calls (slot = output group × bucket count + bucket): dense
//! arrays updated by column loops over a batch for `count`/`sum`/`mean`/`min`/`max`/`first`/
//! `last`, a per-slot [`Sketch`] for `sketch`/`percentile_approx` and for the calls over sketch
//! fields (fed straight from the batch's shared sketches: streaming, memory per slot, never per
//! input), and per-slot point lists for every other function (reduced by
//! `functions::reduce_grouped`).

use std::sync::Arc;

use tsdb::model::Dd;
use tsdb::sketch::SketchRow;
use tsdb::{Column, ColumnValues, FieldType, Sketch};

use super::plan::{AggSpec, Fast};
use crate::exec::error::ExecError;
use crate::exec::functions::{
    Points, Reduced, Values, merge_encoded_sketch, merge_sketch, new_sketch_state, reduce_grouped,
    sketch_answer,
};
use crate::response::Value;

/// Slot value meaning "row not aggregated" (filtered out, outside the window, unselected series).
pub(super) const SKIP: u32 = u32::MAX;

/// Selected values of one type, per slot.
#[derive(Clone, Debug)]
enum SelVals {
    Float(Vec<f64>),
    Integer(Vec<i64>),
    Unsigned(Vec<u64>),
    Boolean(Vec<bool>),
    String(Vec<String>),
    Sketch(Vec<Arc<Sketch>>),
}

#[derive(Clone, Debug)]
struct Selected {
    vals: SelVals,
    time: Vec<i64>,
    series: Vec<u32>,
}

#[derive(Clone, Debug)]
enum State {
    Count,
    Sum {
        f: Vec<Dd>,
        i: Vec<i64>,
        u: Vec<u64>,
    },
    Mean {
        s: Vec<Dd>,
    },
    Select(Option<Selected>),
    /// One sketch per slot: numbers are inserted, sketches merged.
    Sketch(Vec<Sketch>),
    Collect(Vec<Collected>),
}

#[derive(Clone, Debug, Default)]
struct Collected {
    times: Vec<i64>,
    series: Vec<u32>,
    values: Option<Values>,
}

/// The state of one aggregate call over all slots.
#[derive(Clone, Debug)]
pub(super) struct Accumulator {
    fast: Option<Fast>,
    name: &'static str,
    /// The call's explicit relative accuracy (`sketch(f, α)`), checked against input sketches.
    accuracy: Option<f64>,
    /// The field type of the values accumulated (the first type seen wins on a conflict).
    ty: Option<FieldType>,
    /// Points per slot.
    n: Vec<u64>,
    state: State,
}

fn type_error(name: &str, ty: FieldType) -> ExecError {
    let iter = match ty {
        FieldType::String => "string",
        FieldType::Boolean => "boolean",
        FieldType::Integer => "integer",
        FieldType::Unsigned => "unsigned",
        FieldType::Float => "float",
        FieldType::Sketch => "sketch",
    };
    ExecError::Invalid(format!(
        "unsupported {name} iterator type: *query.{iter}InterruptIterator"
    ))
}

impl Accumulator {
    pub fn new(spec: &AggSpec, slots: usize) -> Result<Accumulator, ExecError> {
        let state = match spec.fast {
            Some(Fast::Sketch) => State::Sketch(vec![new_sketch_state(&spec.call)?; slots]),
            Some(Fast::Count) => State::Count,
            Some(Fast::Sum) => State::Sum {
                f: Vec::new(),
                i: Vec::new(),
                u: Vec::new(),
            },
            Some(Fast::Mean) => State::Mean {
                s: vec![Dd::default(); slots],
            },
            Some(Fast::Min | Fast::Max | Fast::First | Fast::Last) => State::Select(None),
            None => State::Collect(vec![Collected::default(); slots]),
        };
        Ok(Accumulator {
            fast: spec.fast,
            name: spec.call.func.name(),
            accuracy: spec.call.accuracy,
            ty: None,
            n: vec![0; slots],
            state,
        })
    }

    /// Points accumulated in `slot`.
    pub fn count(&self, slot: usize) -> u64 {
        self.n.get(slot).copied().unwrap_or(0)
    }

    /// Adds the present rows of `col` whose `slots[i] != SKIP`.
    pub fn add(
        &mut self,
        col: &Column,
        slots: &[u32],
        times: &[i64],
        series: &[u32],
    ) -> Result<(), ExecError> {
        let ty = col.field_type();
        match self.fast {
            Some(Fast::Sum | Fast::Mean)
                if matches!(ty, FieldType::String | FieldType::Boolean) =>
            {
                return Err(type_error(self.name, ty));
            }
            Some(Fast::Min | Fast::Max) if ty == FieldType::String => {
                return Err(type_error(self.name, ty));
            }
            Some(Fast::Sketch) if matches!(ty, FieldType::String | FieldType::Boolean) => {
                return Err(type_error(self.name, ty));
            }
            None if ty == FieldType::Sketch => return Err(type_error(self.name, ty)),
            _ => {}
        }
        if self.ty.is_some_and(|t| t != ty) {
            return Ok(());
        }
        self.ty = Some(ty);
        let len = slots.len().min(col.present.len()).min(col.values.len());
        // Only count/sum/mean may see a batch without timestamps (Plan::needs_times).
        if matches!(self.state, State::Select(_) | State::Collect(_))
            && (times.len() < len || series.len() < len)
        {
            return Err(ExecError::Engine(tsdb::EngineError::Storage(format!(
                "{}: a scan batch of {len} rows with {} timestamps",
                self.name,
                times.len()
            ))));
        }
        let nslots = self.n.len();
        let present = &col.present;
        let live = |i: usize| {
            let s = slots[i] as usize;
            (s < nslots && present.get(i)).then_some(s)
        };
        let n = &mut self.n;
        // count/sum/mean walk runs of equal slots (rows come in runs of one series and bucket):
        // one slot lookup and one store per run, the values folded in a register in row order
        // (the same additions, in the same order, as row by row).
        let all_present = present.all();
        let runs = SlotRuns { slots, len, at: 0 };
        match (&mut self.state, &col.values) {
            (State::Count, _) => {
                for (s, r) in runs {
                    if s >= nslots {
                        continue;
                    }
                    n[s] += if all_present {
                        r.len() as u64
                    } else {
                        r.filter(|&i| present.get(i)).count() as u64
                    };
                }
            }
            (State::Mean { s: sum }, vals) => {
                macro_rules! mean {
                    ($v:expr) => {
                        for (s, r) in runs {
                            if s >= nslots {
                                continue;
                            }
                            if all_present {
                                n[s] += r.len() as u64;
                                sum[s] = fold_f64(sum[s], $v[r].iter().map(|&x| x as f64));
                                continue;
                            }
                            let (mut k, mut acc) = (0u64, sum[s]);
                            for i in r {
                                if present.get(i) {
                                    k += 1;
                                    acc = acc.add($v[i] as f64);
                                }
                            }
                            n[s] += k;
                            sum[s] = acc;
                        }
                    };
                }
                match vals {
                    ColumnValues::Float(v) => mean!(v),
                    ColumnValues::Integer(v) => mean!(v),
                    ColumnValues::Unsigned(v) => mean!(v),
                    _ => {}
                }
            }
            (State::Sum { f, i: si, u }, vals) => {
                macro_rules! sum {
                    ($acc:ident, $v:expr, $add:expr) => {{
                        if $acc.len() != nslots {
                            $acc.resize(nslots, Default::default());
                        }
                        for (s, r) in runs {
                            if s >= nslots {
                                continue;
                            }
                            let (mut k, mut acc) = (0u64, $acc[s]);
                            for i in r {
                                if all_present || present.get(i) {
                                    k += 1;
                                    acc = $add(acc, $v[i]);
                                }
                            }
                            n[s] += k;
                            $acc[s] = acc;
                        }
                    }};
                }
                match vals {
                    ColumnValues::Float(v) if all_present => {
                        if f.len() != nslots {
                            f.resize(nslots, Dd::default());
                        }
                        for (s, r) in runs {
                            if s < nslots {
                                n[s] += r.len() as u64;
                                f[s] = fold_f64(f[s], v[r].iter().copied());
                            }
                        }
                    }
                    ColumnValues::Float(v) => sum!(f, v, |a: Dd, b: f64| a.add(b)),
                    ColumnValues::Integer(v) => sum!(si, v, i64::wrapping_add),
                    ColumnValues::Unsigned(v) => sum!(u, v, u64::wrapping_add),
                    _ => {}
                }
            }
            (State::Sketch(acc), vals) => {
                if acc.len() != nslots {
                    return Err(ExecError::Invalid(format!(
                        "internal error: {} sketch slots for {nslots}",
                        acc.len()
                    )));
                }
                let explicit = self.accuracy;
                macro_rules! insert {
                    ($v:expr) => {
                        for (s, r) in runs {
                            if s >= nslots {
                                continue;
                            }
                            let (mut k, sk) = (0u64, &mut acc[s]);
                            for i in r {
                                if all_present || present.get(i) {
                                    k += 1;
                                    sk.insert($v[i] as f64);
                                }
                            }
                            n[s] += k;
                        }
                    };
                }
                match vals {
                    ColumnValues::Sketch(v) => {
                        for (s, r) in runs {
                            if s >= nslots {
                                continue;
                            }
                            let (mut k, sk) = (0u64, &mut acc[s]);
                            for i in r {
                                if all_present || present.get(i) {
                                    k += 1;
                                    match v.row(i) {
                                        Some(SketchRow::Encoded(b)) => {
                                            merge_encoded_sketch(sk, b, explicit)?
                                        }
                                        Some(SketchRow::Shared(x)) => {
                                            merge_sketch(sk, x, explicit)?
                                        }
                                        None => {}
                                    }
                                }
                            }
                            n[s] += k;
                        }
                    }
                    ColumnValues::Float(v) if all_present => {
                        for (s, r) in runs {
                            if s < nslots {
                                n[s] += r.len() as u64;
                                acc[s].extend_from(&v[r]);
                            }
                        }
                    }
                    ColumnValues::Float(v) => insert!(v),
                    ColumnValues::Integer(v) => insert!(v),
                    ColumnValues::Unsigned(v) => insert!(v),
                    _ => return Err(type_error(self.name, ty)),
                }
            }
            (State::Select(sel), vals) => {
                let kind = self.fast.unwrap_or(Fast::First);
                let sel = sel.get_or_insert_with(|| Selected {
                    vals: match vals {
                        ColumnValues::Float(_) => SelVals::Float(vec![0.0; nslots]),
                        ColumnValues::Integer(_) => SelVals::Integer(vec![0; nslots]),
                        ColumnValues::Unsigned(_) => SelVals::Unsigned(vec![0; nslots]),
                        ColumnValues::Boolean(_) => SelVals::Boolean(vec![false; nslots]),
                        ColumnValues::String(_) => SelVals::String(vec![String::new(); nslots]),
                        ColumnValues::Sketch(_) => {
                            SelVals::Sketch(vec![Sketch::empty_shared(); nslots])
                        }
                    },
                    time: vec![0; nslots],
                    series: vec![0; nslots],
                });
                macro_rules! select {
                    ($acc:expr, $v:expr) => {
                        for i in 0..len {
                            if let Some(s) = live(i) {
                                let (t, id) = (times[i], series[i]);
                                let take = n[s] == 0
                                    || better(
                                        kind,
                                        &$v[i],
                                        t,
                                        id,
                                        &$acc[s],
                                        sel.time[s],
                                        sel.series[s],
                                    );
                                n[s] += 1;
                                if take {
                                    $acc[s].clone_from(&$v[i]);
                                    sel.time[s] = t;
                                    sel.series[s] = id;
                                }
                            }
                        }
                    };
                }
                match (&mut sel.vals, vals) {
                    (SelVals::Float(a), ColumnValues::Float(v)) => select!(a, v),
                    (SelVals::Integer(a), ColumnValues::Integer(v)) => select!(a, v),
                    (SelVals::Unsigned(a), ColumnValues::Unsigned(v)) => select!(a, v),
                    (SelVals::Boolean(a), ColumnValues::Boolean(v)) => select!(a, v),
                    (SelVals::String(a), ColumnValues::String(v)) => select!(a, v),
                    (SelVals::Sketch(a), ColumnValues::Sketch(v)) => {
                        // first/last only: the time decides, the sketch is shared, not copied.
                        for i in 0..len {
                            if let Some(s) = live(i) {
                                let (t, id) = (times[i], series[i]);
                                let take = n[s] == 0
                                    || better_time(kind, t, id, sel.time[s], sel.series[s]);
                                n[s] += 1;
                                if take {
                                    a[s] = v.get(i).unwrap_or_else(Sketch::empty_shared);
                                    sel.time[s] = t;
                                    sel.series[s] = id;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            (State::Collect(c), vals) => {
                for i in 0..len {
                    let Some(s) = live(i) else { continue };
                    n[s] += 1;
                    let slot = &mut c[s];
                    slot.times.push(times[i]);
                    slot.series.push(series[i]);
                    let values = slot.values.get_or_insert_with(|| empty_values(ty));
                    match (values, vals) {
                        (Values::Float(a), ColumnValues::Float(v)) => a.push(v[i]),
                        (Values::Integer(a), ColumnValues::Integer(v)) => a.push(v[i]),
                        (Values::Unsigned(a), ColumnValues::Unsigned(v)) => a.push(v[i]),
                        (Values::Boolean(a), ColumnValues::Boolean(v)) => a.push(v[i]),
                        (Values::String(a), ColumnValues::String(v)) => a.push(v[i].clone()),
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    /// Folds `other` (same call, same slots) into `self`; fails only when sketches of different
    /// accuracy meet in a slot.
    pub fn merge(&mut self, other: Accumulator) -> Result<(), ExecError> {
        if other.ty.is_none() {
            return Ok(());
        }
        if self.ty.is_none() {
            *self = other;
            return Ok(());
        }
        if self.ty != other.ty {
            return Ok(());
        }
        let State::Collect(a) = &mut self.state else {
            // Every vectorized state: slot k into slot k.
            return self.merge_with(&other, |k| k);
        };
        let Accumulator {
            n: on, state: os, ..
        } = other;
        if let State::Collect(b) = os {
            for (x, y) in a.iter_mut().zip(b) {
                x.times.extend(y.times);
                x.series.extend(y.series);
                match (&mut x.values, y.values) {
                    (_, None) => {}
                    (slot @ None, Some(v)) => *slot = Some(v),
                    (Some(xv), Some(yv)) => append_values(xv, yv),
                }
            }
        }
        for (a, b) in self.n.iter_mut().zip(on) {
            *a += b;
        }
        Ok(())
    }

    /// Whether [`Accumulator::merge_mapped`] can fold this kind (every vectorized call; the
    /// calls that collect points need them all).
    pub fn mappable(fast: Option<Fast>) -> bool {
        fast.is_some()
    }

    /// Folds slot `k` of `other` (the same call over other slots) into slot `map[k]` of `self`,
    /// for every `k` with `map[k] != SKIP`: the fold of per-series partials into a query's
    /// groups. Several slots may map to one; the result is [`Accumulator::merge`]'s (counts and
    /// sums add, selectors keep the same winner, sketches merge). Fails as `merge`, and on a
    /// call that collects points.
    pub fn merge_mapped(&mut self, other: &Accumulator, map: &[u32]) -> Result<(), ExecError> {
        self.merge_with(other, |k| map.get(k).map_or(usize::MAX, |&d| d as usize))
    }

    /// [`Accumulator::merge_mapped`] with slot `k` going to slot `dst(k)` (none when `dst(k)` is
    /// not a slot of `self`).
    fn merge_with(
        &mut self,
        other: &Accumulator,
        dst: impl Fn(usize) -> usize,
    ) -> Result<(), ExecError> {
        let Some(ty) = other.ty else {
            return Ok(());
        };
        if self.ty.is_some_and(|t| t != ty) {
            return Ok(());
        }
        self.ty = Some(ty);
        let nslots = self.n.len();
        let kind = self.fast.unwrap_or(Fast::First);
        // (source slot, destination slot) of every slot of `other` with points.
        let dst = &dst;
        let pairs = || {
            other.n.iter().enumerate().filter_map(move |(k, &c)| {
                let d = dst(k);
                (c > 0 && d < nslots).then_some((k, d))
            })
        };
        let n = &mut self.n;
        match (&mut self.state, &other.state) {
            (State::Count, State::Count) => {}
            (State::Mean { s }, State::Mean { s: o }) => {
                for (k, d) in pairs() {
                    s[d] = s[d].merge(o[k]);
                }
            }
            (
                State::Sum { f, i, u },
                State::Sum {
                    f: of,
                    i: oi,
                    u: ou,
                },
            ) => {
                fn fold<T: Copy + Default>(
                    a: &mut Vec<T>,
                    b: &[T],
                    nslots: usize,
                    pairs: impl Iterator<Item = (usize, usize)>,
                    f: impl Fn(T, T) -> T,
                ) {
                    if b.is_empty() {
                        return;
                    }
                    if a.len() != nslots {
                        a.resize(nslots, T::default());
                    }
                    for (k, d) in pairs {
                        a[d] = f(a[d], b[k]);
                    }
                }
                fold(f, of, nslots, pairs(), Dd::merge);
                fold(i, oi, nslots, pairs(), i64::wrapping_add);
                fold(u, ou, nslots, pairs(), u64::wrapping_add);
            }
            (State::Sketch(a), State::Sketch(b)) => {
                for (k, d) in pairs() {
                    merge_sketch(&mut a[d], &b[k], self.accuracy)?;
                }
            }
            (State::Select(_), State::Select(None)) => {}
            (State::Select(sel), State::Select(Some(b))) => {
                let a = sel.get_or_insert_with(|| Selected {
                    vals: match &b.vals {
                        SelVals::Float(_) => SelVals::Float(vec![0.0; nslots]),
                        SelVals::Integer(_) => SelVals::Integer(vec![0; nslots]),
                        SelVals::Unsigned(_) => SelVals::Unsigned(vec![0; nslots]),
                        SelVals::Boolean(_) => SelVals::Boolean(vec![false; nslots]),
                        SelVals::String(_) => SelVals::String(vec![String::new(); nslots]),
                        SelVals::Sketch(_) => SelVals::Sketch(vec![Sketch::empty_shared(); nslots]),
                    },
                    time: vec![0; nslots],
                    series: vec![0; nslots],
                });
                macro_rules! select {
                    ($x:expr, $y:expr, |$t:ident, $id:ident, $d:ident, $k:ident| $better:expr) => {
                        for ($k, $d) in pairs() {
                            let ($t, $id) = (b.time[$k], b.series[$k]);
                            // `n[d]` grows as slots fold in: the first slot folded is taken.
                            if n[$d] == 0 || $better {
                                $x[$d].clone_from(&$y[$k]);
                                a.time[$d] = $t;
                                a.series[$d] = $id;
                            }
                            n[$d] += other.n[$k];
                        }
                    };
                }
                macro_rules! by_value {
                    ($x:expr, $y:expr) => {
                        select!($x, $y, |t, id, d, k| better(
                            kind,
                            &$y[k],
                            t,
                            id,
                            &$x[d],
                            a.time[d],
                            a.series[d]
                        ))
                    };
                }
                match (&mut a.vals, &b.vals) {
                    (SelVals::Float(x), SelVals::Float(y)) => by_value!(x, y),
                    (SelVals::Integer(x), SelVals::Integer(y)) => by_value!(x, y),
                    (SelVals::Unsigned(x), SelVals::Unsigned(y)) => by_value!(x, y),
                    (SelVals::Boolean(x), SelVals::Boolean(y)) => by_value!(x, y),
                    (SelVals::String(x), SelVals::String(y)) => by_value!(x, y),
                    // first/last of sketches: the time decides.
                    (SelVals::Sketch(x), SelVals::Sketch(y)) => select!(x, y, |t, id, d, _k| {
                        better_time(kind, t, id, a.time[d], a.series[d])
                    }),
                    _ => {}
                }
                return Ok(());
            }
            _ => {
                return Err(ExecError::Invalid(format!(
                    "internal error: {} partials cannot be folded",
                    self.name
                )));
            }
        }
        for (k, d) in pairs() {
            n[d] += other.n[k];
        }
        Ok(())
    }

    /// The output points of `slot` (empty when the slot saw no point) and, for selectors, the
    /// series of the selected point. `group_of` maps a series to its `top`/`bottom` tag group
    /// (see [`reduce_grouped`]); `None` when the call has no tag arguments.
    pub fn finish(
        &self,
        spec: &AggSpec,
        slot: usize,
        group_of: Option<&dyn Fn(u32) -> u32>,
    ) -> Result<Vec<(Reduced, Option<u32>)>, ExecError> {
        let n = self.count(slot);
        let one = |value: Value, time: Option<i64>, series: Option<u32>| {
            Ok(vec![(
                Reduced {
                    value,
                    time,
                    index: None,
                },
                series,
            )])
        };
        match &self.state {
            State::Count => one(Value::Int(n as i64), None, None),
            _ if n == 0 => Ok(Vec::new()),
            State::Mean { s } => one(Value::Float(s[slot].value() / n as f64), None, None),
            State::Sum { f, i, u } => one(
                match self.ty {
                    Some(FieldType::Integer) => Value::Int(i.get(slot).copied().unwrap_or(0)),
                    Some(FieldType::Unsigned) => Value::UInt(u.get(slot).copied().unwrap_or(0)),
                    _ => Value::Float(f.get(slot).map_or(0.0, |d| d.value())),
                },
                None,
                None,
            ),
            State::Sketch(acc) => Ok(acc
                .get(slot)
                .and_then(|sk| sketch_answer(&spec.call, sk))
                .map(|value| {
                    (
                        Reduced {
                            value,
                            time: None,
                            index: None,
                        },
                        None,
                    )
                })
                .into_iter()
                .collect()),
            State::Select(None) => Ok(Vec::new()),
            State::Select(Some(sel)) => {
                let v = match &sel.vals {
                    SelVals::Float(v) => Value::Float(v[slot]),
                    SelVals::Integer(v) => Value::Int(v[slot]),
                    SelVals::Unsigned(v) => Value::UInt(v[slot]),
                    SelVals::Boolean(v) => Value::Bool(v[slot]),
                    SelVals::String(v) => Value::Str(v[slot].clone()),
                    SelVals::Sketch(v) => Value::Sketch(Arc::clone(&v[slot])),
                };
                one(v, Some(sel.time[slot]), Some(sel.series[slot]))
            }
            State::Collect(c) => {
                let Some(col) = c.get(slot) else {
                    return Ok(Vec::new());
                };
                let Some(values) = &col.values else {
                    return Ok(Vec::new());
                };
                let mut order: Vec<usize> = (0..col.times.len().min(values.len())).collect();
                order.sort_by_key(|&i| (col.times[i], col.series[i]));
                let points = Points {
                    times: order.iter().map(|&i| col.times[i]).collect(),
                    values: permute(values, &order),
                };
                let groups: Option<Vec<u32>> =
                    group_of.map(|f| order.iter().map(|&i| f(col.series[i])).collect());
                Ok(reduce_grouped(&spec.call, &points, groups.as_deref())?
                    .into_iter()
                    .map(|r| {
                        let series = r
                            .index
                            .and_then(|i| order.get(i))
                            .and_then(|&i| col.series.get(i))
                            .copied();
                        (r, series)
                    })
                    .collect())
            }
        }
    }
}

impl Accumulator {
    /// The points of `slots` (buckets in time order) of a collecting accumulator, each slot's
    /// sorted by (time, series) and concatenated; `None` without any (or for a vectorized one).
    /// `integral()` over GROUP BY time reads a whole output series at once.
    pub fn group_points(&self, slots: impl Iterator<Item = usize>) -> Option<Points> {
        let State::Collect(c) = &self.state else {
            return None;
        };
        let mut out: Option<Points> = None;
        for col in slots.filter_map(|s| c.get(s)) {
            let Some(values) = &col.values else {
                continue;
            };
            let mut order: Vec<usize> = (0..col.times.len().min(values.len())).collect();
            order.sort_by_key(|&i| (col.times[i], col.series[i]));
            let times = order.iter().map(|&i| col.times[i]);
            match &mut out {
                None => {
                    out = Some(Points {
                        times: times.collect(),
                        values: permute(values, &order),
                    })
                }
                Some(p) => {
                    p.times.extend(times);
                    append_values(&mut p.values, permute(values, &order));
                }
            }
        }
        out
    }
}

/// `acc` plus the values: a short run (live data interleaves series, so most runs are one row)
/// is added straight into `acc`; a long one is summed in independent lanes first. Both are
/// error-free, so the result does not depend on which way a run went.
#[inline]
fn fold_f64(acc: Dd, xs: impl ExactSizeIterator<Item = f64>) -> Dd {
    if xs.len() < 8 {
        xs.fold(acc, Dd::add)
    } else {
        acc.merge(sum_f64(xs))
    }
}

/// The sum of `xs` in four interleaved double-double lanes (x0+x4+…, x1+x5+…, …, then the lanes
/// and the rest): four independent add chains instead of one, exact up to [`Dd`]'s bound.
#[inline]
fn sum_f64(xs: impl ExactSizeIterator<Item = f64>) -> Dd {
    let mut lanes = [Dd::default(); 4];
    let mut rest = Dd::default();
    let n = xs.len();
    let full = n - n % 4;
    for (i, x) in xs.enumerate() {
        if i < full {
            lanes[i % 4] = lanes[i % 4].add(x);
        } else {
            rest = rest.add(x);
        }
    }
    lanes[0]
        .merge(lanes[1])
        .merge(lanes[2].merge(lanes[3]))
        .merge(rest)
}

/// Runs of equal slots over `slots[..len]`: `(slot, rows)`.
struct SlotRuns<'a> {
    slots: &'a [u32],
    len: usize,
    at: usize,
}

impl Iterator for SlotRuns<'_> {
    type Item = (usize, std::ops::Range<usize>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let start = self.at;
        let s = *self.slots.get(start).filter(|_| start < self.len)?;
        let mut end = start + 1;
        while end < self.len && self.slots[end] == s {
            end += 1;
        }
        self.at = end;
        Some((s as usize, start..end))
    }
}

/// Whether `(v, t, id)` beats the current selection `(cur, ct, cid)`: min/max prefer the
/// earlier point on equal values, first/last the earliest/latest time (ties: the lower series).
#[inline]
fn better<T: PartialOrd>(kind: Fast, v: &T, t: i64, id: u32, cur: &T, ct: i64, cid: u32) -> bool {
    use std::cmp::Ordering::*;
    // The time and series are compared only on a tie (rare: most rows lose on the value).
    match kind {
        Fast::Max => match v.partial_cmp(cur) {
            Some(Greater) => true,
            Some(Equal) => (t, id) < (ct, cid),
            _ => false,
        },
        Fast::Min => match v.partial_cmp(cur) {
            Some(Less) => true,
            Some(Equal) => (t, id) < (ct, cid),
            _ => false,
        },
        Fast::First | Fast::Last => better_time(kind, t, id, ct, cid),
        _ => false,
    }
}

/// first/last: whether the point at `(t, id)` beats the selection at `(ct, cid)` by time alone
/// (ties: the lower series).
#[inline]
fn better_time(kind: Fast, t: i64, id: u32, ct: i64, cid: u32) -> bool {
    match kind {
        Fast::First => (t, id) < (ct, cid),
        Fast::Last => t > ct || (t == ct && id < cid),
        _ => false,
    }
}

#[cfg(test)]
mod dd_tests {
    use super::{Dd, sum_f64};
    use proptest::prelude::*;

    proptest! {
        /// Any split of the values into batches and any order of merging gives the same sum.
        #[test]
        fn sum_does_not_depend_on_batching(
            xs in prop::collection::vec(0.0f64..1e4, 1..400),
            cuts in prop::collection::vec(0usize..400, 0..6),
        ) {
            let xs: Vec<f64> = xs.iter().map(|x| (x * 1000.0).round() / 1000.0).collect();
            let whole = sum_f64(xs.iter().copied()).value();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % xs.len()).collect();
            cuts.sort_unstable();
            let mut parts = Vec::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([xs.len()]) {
                parts.push(sum_f64(xs[at..c.max(at)].iter().copied()));
                at = c.max(at);
            }
            let forward = parts.iter().fold(Dd::default(), |a, b| a.merge(*b)).value();
            let backward = parts.iter().rev().fold(Dd::default(), |a, b| a.merge(*b)).value();
            let one_by_one = xs.iter().rev().fold(Dd::default(), |a, &x| a.add(x)).value();
            prop_assert_eq!(whole, forward);
            prop_assert_eq!(whole, backward);
            prop_assert_eq!(whole, one_by_one);
        }
    }

    #[test]
    fn plain_float_sum_would_differ() {
        // 0.1 + 0.2 + 0.3 left to right is 0.6000000000000001; the exact sum rounds to 0.6.
        let xs = [0.1, 0.2, 0.3];
        assert_eq!(sum_f64(xs.iter().copied()).value(), 0.6);
        assert_eq!(
            sum_f64([f64::INFINITY, 1.0].into_iter()).value(),
            f64::INFINITY
        );
    }
}

fn empty_values(ty: FieldType) -> Values {
    match ty {
        FieldType::Float => Values::Float(Vec::new()),
        FieldType::Integer => Values::Integer(Vec::new()),
        FieldType::Unsigned => Values::Unsigned(Vec::new()),
        FieldType::String => Values::String(Vec::new()),
        FieldType::Boolean => Values::Boolean(Vec::new()),
        FieldType::Sketch => Values::Sketch(Vec::new()),
    }
}

fn append_values(a: &mut Values, b: Values) {
    match (a, b) {
        (Values::Float(x), Values::Float(y)) => x.extend(y),
        (Values::Integer(x), Values::Integer(y)) => x.extend(y),
        (Values::Unsigned(x), Values::Unsigned(y)) => x.extend(y),
        (Values::String(x), Values::String(y)) => x.extend(y),
        (Values::Boolean(x), Values::Boolean(y)) => x.extend(y),
        (Values::Sketch(x), Values::Sketch(y)) => x.extend(y),
        _ => {}
    }
}

fn permute(v: &Values, order: &[usize]) -> Values {
    fn p<T: Clone>(v: &[T], order: &[usize]) -> Vec<T> {
        order.iter().filter_map(|&i| v.get(i).cloned()).collect()
    }
    match v {
        Values::Float(x) => Values::Float(p(x, order)),
        Values::Integer(x) => Values::Integer(p(x, order)),
        Values::Unsigned(x) => Values::Unsigned(p(x, order)),
        Values::String(x) => Values::String(p(x, order)),
        Values::Boolean(x) => Values::Boolean(p(x, order)),
        Values::Sketch(x) => Values::Sketch(p(x, order)),
    }
}
