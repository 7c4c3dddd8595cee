//! Argument validation for aggregate/selector and transformation calls, with the error texts of
//! InfluxDB 1.8's `query/compile.go` (`compileFunction`, `compilePercentile`, `compileTopBottom`, …).
//!
//! What is checked here: argument counts, the kinds of the literal arguments and their ranges.
//! What is not: whether a transformation needs GROUP BY time, whether calls may be combined, and
//! wildcard/regex expansion — those need the whole statement and belong to the executor.

use super::{AggregateCall, AggregateFn, TransformCall, TransformFn};
use crate::ast::{Expr, Literal};
use crate::exec::error::ExecError;
use crate::response::Value;

/// One second in nanoseconds: the default unit of `derivative` (without GROUP BY time) and `integral`.
pub const SECOND_NS: i64 = 1_000_000_000;

fn invalid(msg: impl Into<String>) -> ExecError {
    ExecError::Invalid(msg.into())
}

/// The Go type name InfluxDB prints with `%T` for an argument.
fn go_type(e: &Expr) -> &'static str {
    match e.unparen() {
        Expr::VarRef { .. } => "*influxql.VarRef",
        Expr::Call { .. } => "*influxql.Call",
        Expr::Binary { .. } => "*influxql.BinaryExpr",
        Expr::Paren(_) => "*influxql.ParenExpr",
        Expr::Wildcard(_) => "*influxql.Wildcard",
        Expr::Literal(Literal::Integer(_)) => "*influxql.IntegerLiteral",
        Expr::Literal(Literal::Float(_)) => "*influxql.NumberLiteral",
        Expr::Literal(Literal::String(_)) => "*influxql.StringLiteral",
        Expr::Literal(Literal::Boolean(_)) => "*influxql.BooleanLiteral",
        Expr::Literal(Literal::Duration(_)) => "*influxql.DurationLiteral",
        Expr::Literal(Literal::Regex(_)) => "*influxql.RegexLiteral",
    }
}

fn int_lit(e: &Expr) -> Option<i64> {
    match e.unparen() {
        Expr::Literal(Literal::Integer(v)) => Some(*v),
        _ => None,
    }
}

/// `compileSymbol`: a field reference, wildcard or regex.
fn symbol(name: &str, e: &Expr) -> Result<(), ExecError> {
    match e {
        Expr::VarRef { .. } | Expr::Wildcard(_) | Expr::Literal(Literal::Regex(_)) => Ok(()),
        _ => Err(invalid(format!("expected field argument in {name}()"))),
    }
}

/// `compileDistinct`: exactly one field reference.
fn distinct_field(args: &[Expr]) -> Result<Expr, ExecError> {
    match args {
        [] => Err(invalid("distinct function requires at least one argument")),
        [e @ Expr::VarRef { .. }] => Ok(e.clone()),
        [_] => Err(invalid("expected field argument in distinct()")),
        _ => Err(invalid("distinct function can only have one argument")),
    }
}

/// A relative-accuracy argument (`sketch(f, 0.01)`): a number literal within
/// [`tsdb::sketch::MIN_RELATIVE_ACCURACY`] ..= [`tsdb::sketch::MAX_RELATIVE_ACCURACY`]; outside,
/// the text of [`tsdb::sketch::SketchError::Accuracy`].
fn accuracy_arg(name: &str, e: &Expr) -> Result<f64, ExecError> {
    let a = match e.unparen() {
        Expr::Literal(Literal::Integer(v)) => *v as f64,
        Expr::Literal(Literal::Float(v)) => *v,
        _ => return Err(invalid(format!("expected float argument in {name}()"))),
    };
    tsdb::Sketch::new(a).map_err(|e| invalid(e.to_string()))?;
    Ok(a)
}

/// `(unit)` duration argument: positive, else InfluxDB's texts.
fn duration_arg(e: &Expr, not_duration: impl FnOnce() -> String) -> Result<i64, ExecError> {
    match e.unparen() {
        Expr::Literal(Literal::Duration(d)) if *d > 0 => Ok(*d),
        Expr::Literal(Literal::Duration(d)) => Err(invalid(format!(
            "duration argument must be positive, got {}",
            Expr::Literal(Literal::Duration(*d))
        ))),
        _ => Err(invalid(not_duration())),
    }
}

pub(super) fn build_aggregate(
    name: &str,
    args: &[Expr],
) -> Result<Option<AggregateCall>, ExecError> {
    let Some(func) = AggregateFn::from_name(name) else {
        return Ok(None);
    };
    let call = |func, field: &Expr, number, tags| AggregateCall {
        func,
        field: field.clone(),
        number,
        tags,
        accuracy: None,
    };
    let n = args.len();
    Ok(Some(match func {
        AggregateFn::Distinct => call(func, &distinct_field(args)?, None, vec![]),
        AggregateFn::Percentile => {
            if n != 2 {
                return Err(invalid(format!(
                    "invalid number of arguments for percentile, expected 2, got {n}"
                )));
            }
            let p = match args[1].unparen() {
                Expr::Literal(Literal::Integer(v)) => *v as f64,
                Expr::Literal(Literal::Float(v)) => *v,
                _ => return Err(invalid("expected float argument in percentile()")),
            };
            symbol("percentile", &args[0])?;
            call(func, &args[0], Some(p), vec![])
        }
        AggregateFn::Sketch => {
            if !(1..=2).contains(&n) {
                return Err(invalid(format!(
                    "invalid number of arguments for sketch, expected at least 1 but no more than 2, got {n}"
                )));
            }
            let accuracy = args.get(1).map(|a| accuracy_arg(name, a)).transpose()?;
            symbol("sketch", &args[0])?;
            AggregateCall {
                accuracy,
                ..call(func, &args[0], None, vec![])
            }
        }
        AggregateFn::PercentileApprox => {
            if !(2..=3).contains(&n) {
                return Err(invalid(format!(
                    "invalid number of arguments for percentile_approx, expected at least 2 but no more than 3, got {n}"
                )));
            }
            let p = match args[1].unparen() {
                Expr::Literal(Literal::Integer(v)) => *v as f64,
                Expr::Literal(Literal::Float(v)) => *v,
                _ => return Err(invalid("expected float argument in percentile_approx()")),
            };
            let accuracy = args.get(2).map(|a| accuracy_arg(name, a)).transpose()?;
            symbol("percentile_approx", &args[0])?;
            AggregateCall {
                accuracy,
                ..call(func, &args[0], Some(p), vec![])
            }
        }
        AggregateFn::Sample => {
            if n != 2 {
                return Err(invalid(format!(
                    "invalid number of arguments for sample, expected 2, got {n}"
                )));
            }
            let Some(k) = int_lit(&args[1]) else {
                return Err(invalid("expected integer argument in sample()"));
            };
            if k <= 0 {
                return Err(invalid(format!(
                    "sample window must be greater than 1, got {k}"
                )));
            }
            symbol("sample", &args[0])?;
            call(func, &args[0], Some(k as f64), vec![])
        }
        AggregateFn::Top | AggregateFn::Bottom => {
            if n < 2 {
                return Err(invalid(format!(
                    "invalid number of arguments for {name}, expected at least 2, got {n}"
                )));
            }
            let last = &args[n - 1];
            let Some(k) = int_lit(last) else {
                return Err(invalid(format!(
                    "expected integer as last argument in {name}(), found {last}"
                )));
            };
            if k <= 0 {
                return Err(invalid(format!(
                    "limit ({k}) in {name} function must be at least 1"
                )));
            }
            if !matches!(args[0], Expr::VarRef { .. }) {
                return Err(invalid(format!(
                    "expected first argument to be a field in {name}(), found {}",
                    args[0]
                )));
            }
            let mut tags = Vec::with_capacity(n - 2);
            for a in &args[1..n - 1] {
                match a {
                    Expr::VarRef { name: t, .. } => tags.push(t.clone()),
                    other => {
                        return Err(invalid(format!(
                            "only fields or tags are allowed in {name}(), found {other}"
                        )));
                    }
                }
            }
            call(func, &args[0], Some(k as f64), tags)
        }
        AggregateFn::Integral => {
            if !(1..=2).contains(&n) {
                return Err(invalid(format!(
                    "invalid number of arguments for integral, expected at least 1 but no more than 2, got {n}"
                )));
            }
            let unit = match args.get(1) {
                Some(a) => duration_arg(a, || "second argument must be a duration".into())?,
                None => SECOND_NS,
            };
            symbol("integral", &args[0])?;
            call(func, &args[0], Some(unit as f64), vec![])
        }
        _ => {
            if n != 1 {
                return Err(invalid(format!(
                    "invalid number of arguments for {name}, expected 1, got {n}"
                )));
            }
            if func == AggregateFn::Count {
                if let Expr::Call {
                    name: inner,
                    args: inner_args,
                } = args[0].unparen()
                {
                    if inner == "distinct" {
                        let field = distinct_field(inner_args)?;
                        return Ok(Some(call(AggregateFn::CountDistinct, &field, None, vec![])));
                    }
                }
            }
            symbol(name, &args[0])?;
            call(func, &args[0], None, vec![])
        }
    }))
}

fn transform_fn(name: &str) -> Option<TransformFn> {
    use TransformFn::*;
    Some(match name {
        "derivative" => Derivative,
        "non_negative_derivative" => NonNegativeDerivative,
        "difference" => Difference,
        "non_negative_difference" => NonNegativeDifference,
        "moving_average" => MovingAverage,
        "cumulative_sum" => CumulativeSum,
        "elapsed" => Elapsed,
        "holt_winters" => HoltWinters,
        "holt_winters_with_fit" => HoltWintersWithFit,
        "exponential_moving_average" => ExponentialMovingAverage,
        "double_exponential_moving_average" => DoubleExponentialMovingAverage,
        "triple_exponential_moving_average" => TripleExponentialMovingAverage,
        "relative_strength_index" => RelativeStrengthIndex,
        "triple_exponential_derivative" => TripleExponentialDerivative,
        "kaufmans_efficiency_ratio" => KaufmansEfficiencyRatio,
        "kaufmans_adaptive_moving_average" => KaufmansAdaptiveMovingAverage,
        "chande_momentum_oscillator" => ChandeMomentumOscillator,
        _ => return None,
    })
}

pub(super) fn transform_name(f: TransformFn) -> &'static str {
    use TransformFn::*;
    match f {
        Derivative => "derivative",
        NonNegativeDerivative => "non_negative_derivative",
        Difference => "difference",
        NonNegativeDifference => "non_negative_difference",
        MovingAverage => "moving_average",
        CumulativeSum => "cumulative_sum",
        Elapsed => "elapsed",
        HoltWinters => "holt_winters",
        HoltWintersWithFit => "holt_winters_with_fit",
        ExponentialMovingAverage => "exponential_moving_average",
        DoubleExponentialMovingAverage => "double_exponential_moving_average",
        TripleExponentialMovingAverage => "triple_exponential_moving_average",
        RelativeStrengthIndex => "relative_strength_index",
        TripleExponentialDerivative => "triple_exponential_derivative",
        KaufmansEfficiencyRatio => "kaufmans_efficiency_ratio",
        KaufmansAdaptiveMovingAverage => "kaufmans_adaptive_moving_average",
        ChandeMomentumOscillator => "chande_momentum_oscillator",
    }
}

/// Validates a transformation call. `args` of the result: `derivative`/`non_negative_derivative`/
/// `elapsed`: `[Int(unit_ns)]` when given (the default depends on the query, see
/// [`super::transform`]); `moving_average`: `[Int(n)]`; `holt_winters*`: `[Int(h), Int(m)]`;
/// the exponential family and `chande_momentum_oscillator`: `[Int(period), Int(hold), Str(warmup)]`
/// with defaults `hold = -1` (the algorithm's warm-up count), warmup `"exponential"` (`"none"` for
/// `chande_momentum_oscillator`); kaufmans: `[Int(period), Int(hold)]`.
pub(super) fn build_transform(
    name: &str,
    args: &[Expr],
) -> Result<Option<TransformCall>, ExecError> {
    use TransformFn::*;
    let Some(func) = transform_fn(name) else {
        return Ok(None);
    };
    let n = args.len();
    let Some(input) = args.first().cloned() else {
        // Every transformation needs an input; report the count the way InfluxDB does.
        return Err(count_error(func, name, 0));
    };
    let mut out = Vec::new();
    match func {
        Derivative | NonNegativeDerivative | Elapsed => {
            if n > 2 {
                return Err(count_error(func, name, n));
            }
            if let Some(a) = args.get(1) {
                let what = if func == Elapsed { "elapsed" } else { name };
                let unit = duration_arg(a, || {
                    format!(
                        "second argument to {what} must be a duration, got {}",
                        go_type(a)
                    )
                })?;
                out.push(Value::Int(unit));
            }
        }
        Difference | NonNegativeDifference | CumulativeSum => {
            if n != 1 {
                return Err(count_error(func, name, n));
            }
        }
        MovingAverage => {
            if n != 2 {
                return Err(count_error(func, name, n));
            }
            let Some(k) = int_lit(&args[1]) else {
                return Err(invalid(format!(
                    "second argument for moving_average must be an integer, got {}",
                    go_type(&args[1])
                )));
            };
            if k <= 1 {
                return Err(invalid(format!(
                    "moving_average window must be greater than 1, got {k}"
                )));
            }
            out.push(Value::Int(k));
        }
        HoltWinters | HoltWintersWithFit => {
            if n != 3 {
                return Err(count_error(func, name, n));
            }
            let Some(h) = int_lit(&args[1]) else {
                return Err(invalid(format!(
                    "expected integer argument as second arg in {name}"
                )));
            };
            if h <= 0 {
                return Err(invalid(format!(
                    "second arg to {name} must be greater than 0, got {h}"
                )));
            }
            let Some(m) = int_lit(&args[2]) else {
                return Err(invalid(format!(
                    "expected integer argument as third arg in {name}"
                )));
            };
            if m < 0 {
                return Err(invalid(format!(
                    "third arg to {name} cannot be negative, got {m}"
                )));
            }
            if !matches!(input.unparen(), Expr::Call { .. }) {
                return Err(invalid(format!("must use aggregate function with {name}")));
            }
            out.push(Value::Int(h));
            out.push(Value::Int(m));
        }
        ExponentialMovingAverage
        | DoubleExponentialMovingAverage
        | TripleExponentialMovingAverage
        | RelativeStrengthIndex
        | TripleExponentialDerivative
        | ChandeMomentumOscillator => {
            if !(2..=4).contains(&n) {
                return Err(count_error(func, name, n));
            }
            out.push(Value::Int(period(name, &args[1])?));
            let hold = match args.get(2) {
                Some(a) => {
                    let Some(h) = int_lit(a) else {
                        return Err(invalid(format!("{name} hold period must be an integer")));
                    };
                    if func == TripleExponentialDerivative && h < 1 && h != -1 {
                        return Err(invalid(format!(
                            "{name} hold period must be greater than or equal to 1"
                        )));
                    }
                    if h < 0 && h != -1 {
                        return Err(invalid(format!(
                            "{name} hold period must be greater than or equal to 0"
                        )));
                    }
                    h
                }
                None => -1,
            };
            out.push(Value::Int(hold));
            let cmo = func == ChandeMomentumOscillator;
            let warmup = match args.get(3).map(|a| a.unparen()) {
                Some(Expr::Literal(Literal::String(s))) => {
                    let ok = matches!(s.as_str(), "exponential" | "simple") || (cmo && s == "none");
                    if !ok {
                        return Err(invalid(if cmo {
                            format!(
                                "{name} warmup type must be one of: 'none' 'exponential' 'simple'"
                            )
                        } else {
                            format!("{name} warmup type must be one of: 'exponential' 'simple'")
                        }));
                    }
                    s.clone()
                }
                Some(_) => return Err(invalid(format!("{name} warmup type must be a string"))),
                None if cmo => "none".to_string(),
                None => "exponential".to_string(),
            };
            out.push(Value::Str(warmup));
        }
        KaufmansEfficiencyRatio | KaufmansAdaptiveMovingAverage => {
            if !(2..=3).contains(&n) {
                return Err(count_error(func, name, n));
            }
            out.push(Value::Int(period(name, &args[1])?));
            let hold = match args.get(2) {
                Some(a) => {
                    let Some(h) = int_lit(a) else {
                        return Err(invalid(format!("{name} hold period must be an integer")));
                    };
                    if h < 0 && h != -1 {
                        return Err(invalid(format!(
                            "{name} hold period must be greater than or equal to 0"
                        )));
                    }
                    h
                }
                None => -1,
            };
            out.push(Value::Int(hold));
        }
    }
    if !matches!(func, HoltWinters | HoltWintersWithFit)
        && !matches!(input.unparen(), Expr::Call { .. })
    {
        symbol(name, &input)?;
    }
    Ok(Some(TransformCall {
        func,
        input,
        args: out,
    }))
}

fn period(name: &str, e: &Expr) -> Result<i64, ExecError> {
    let Some(p) = int_lit(e) else {
        return Err(invalid(format!("{name} period must be an integer")));
    };
    if p < 1 {
        return Err(invalid(format!(
            "{name} period must be greater than or equal to 1"
        )));
    }
    Ok(p)
}

fn count_error(func: TransformFn, name: &str, got: usize) -> ExecError {
    use TransformFn::*;
    invalid(match func {
        Derivative | NonNegativeDerivative | Elapsed => format!(
            "invalid number of arguments for {name}, expected at least 1 but no more than 2, got {got}"
        ),
        Difference | NonNegativeDifference | CumulativeSum => {
            format!("invalid number of arguments for {name}, expected 1, got {got}")
        }
        MovingAverage => format!("invalid number of arguments for {name}, expected 2, got {got}"),
        HoltWinters | HoltWintersWithFit => {
            format!("invalid number of arguments for {name}, expected 3, got {got}")
        }
        KaufmansEfficiencyRatio | KaufmansAdaptiveMovingAverage => format!(
            "invalid number of arguments for {name}, expected at least 2 but no more than 3, got {got}"
        ),
        _ => format!(
            "invalid number of arguments for {name}, expected at least 2 but no more than 4, got {got}"
        ),
    })
}
