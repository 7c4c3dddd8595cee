//! WHERE conditions → a time range and a tag predicate.

use tsdb::{TagPredicate, TagRegex};

use super::error::ExecError;
use crate::ast::{BinaryOp, Expr, Literal};
use crate::time::parse_time_literal;

/// What a SELECT's WHERE clause selects: an inclusive time range and the series' tag predicate.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub min_time: i64,
    pub max_time: i64,
    /// Whether the query gave a lower time bound (aggregates are stamped with it).
    pub has_lower_bound: bool,
    pub predicate: TagPredicate,
}

impl Filter {
    pub fn is_empty_range(&self) -> bool {
        self.min_time > self.max_time
    }
}

/// Evaluates a time expression: integers are nanoseconds, durations count from the epoch, strings are
/// time literals, `now()` is `now`, and `+`/`-` combine a time with a duration.
pub fn eval_time(e: &Expr, now: i64) -> Result<i64, ExecError> {
    match e.unparen() {
        Expr::Literal(Literal::Integer(v) | Literal::Duration(v)) => Ok(*v),
        Expr::Literal(Literal::Float(f)) => Ok(*f as i64),
        Expr::Literal(Literal::String(s)) => match parse_time_literal(s) {
            Some(t) => Ok(t),
            // InfluxDB 1.6.7: a string shaped like a date that does not parse is an invalid
            // timestamp; any other string is not a time at all.
            None if looks_like_date(s) => {
                Err(ExecError::Invalid("invalid timestamp string".into()))
            }
            None => Err(not_compatible("StringLiteral")),
        },
        Expr::Literal(Literal::Regex(_)) => Err(not_compatible("RegexLiteral")),
        Expr::Literal(Literal::Boolean(_)) => Err(not_compatible("BooleanLiteral")),
        Expr::Call { name, args } if name == "now" && args.is_empty() => Ok(now),
        Expr::Binary {
            op: op @ (BinaryOp::Add | BinaryOp::Sub),
            lhs,
            rhs,
        } => {
            let a = eval_time(lhs, now)?;
            let b = eval_time(rhs, now)?;
            let r = if *op == BinaryOp::Add {
                a.checked_add(b)
            } else {
                a.checked_sub(b)
            };
            r.ok_or_else(|| ExecError::Invalid(format!("time overflow in {e}")))
        }
        other => Err(ExecError::Invalid(format!(
            "invalid time expression: {other}"
        ))),
    }
}

/// `invalid operation: time and *influxql.StringLiteral are not compatible` (InfluxDB 1.6.7's
/// text for a literal of a kind that cannot be a time).
fn not_compatible(kind: &str) -> ExecError {
    ExecError::Invalid(format!(
        "invalid operation: time and *influxql.{kind} are not compatible"
    ))
}

/// InfluxDB's `IsTimeLiteral`: the string starts with `YYYY-MM-DD`.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b.iter().take(10).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

fn is_time(e: &Expr) -> bool {
    matches!(e.unparen(), Expr::VarRef { name, .. } if name.eq_ignore_ascii_case("time"))
}

fn flip(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Lte => BinaryOp::Gte,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Gte => BinaryOp::Lte,
        other => other,
    }
}

/// How a WHERE clause treats references to fields (the caller knows which names are fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRule {
    /// SHOW statements: every name is a tag (InfluxDB's index has no fields), so a field compared
    /// with `=` simply matches no series.
    AsTags,
    /// SELECT: field conditions are not implemented yet.
    Unsupported,
    /// DELETE: InfluxDB refuses fields in the WHERE clause.
    DeleteError,
}

/// The tag predicate and time range of a WHERE clause.
#[derive(Clone, Debug, PartialEq)]
pub struct TagCondition {
    pub predicate: TagPredicate,
    /// Inclusive bounds; `i64::MIN`/`i64::MAX` when not given.
    pub min_time: i64,
    pub max_time: i64,
    pub has_lower_bound: bool,
    /// Whether any time condition was given.
    pub has_time: bool,
}

impl TagCondition {
    pub fn is_empty_range(&self) -> bool {
        self.min_time > self.max_time
    }
}

fn contains_time(e: &Expr) -> bool {
    match e {
        Expr::VarRef { .. } => is_time(e),
        Expr::Paren(e) => contains_time(e),
        Expr::Binary { lhs, rhs, .. } => contains_time(lhs) || contains_time(rhs),
        _ => false,
    }
}

/// Splits a WHERE clause into a [`TagPredicate`] (`=`, `!=`/`<>`, `=~`, `!~`, `AND`, `OR`,
/// parentheses) and a time range (`time` compared with `>`, `>=`, `<`, `<=`, `=`, AND-ed only).
/// `is_field` tells fields from tags; `rule` says what a field reference means.
pub fn tag_condition(
    cond: Option<&Expr>,
    now: i64,
    is_field: &dyn Fn(&str) -> bool,
    rule: FieldRule,
) -> Result<TagCondition, ExecError> {
    let mut c = TagCondition {
        predicate: TagPredicate::All,
        min_time: i64::MIN,
        max_time: i64::MAX,
        has_lower_bound: false,
        has_time: false,
    };
    if let Some(cond) = cond {
        c.predicate = walk(
            cond,
            now,
            is_field,
            rule,
            &mut c.min_time,
            &mut c.max_time,
            &mut c.has_lower_bound,
            &mut c.has_time,
        )?;
    }
    Ok(c)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    e: &Expr,
    now: i64,
    is_field: &dyn Fn(&str) -> bool,
    rule: FieldRule,
    min: &mut i64,
    max: &mut i64,
    lower: &mut bool,
    has_time: &mut bool,
) -> Result<TagPredicate, ExecError> {
    let Expr::Binary { op, lhs, rhs } = e.unparen() else {
        return Err(ExecError::Invalid(format!("invalid condition {e}")));
    };
    match op {
        BinaryOp::And => {
            let a = walk(lhs, now, is_field, rule, min, max, lower, has_time)?;
            let b = walk(rhs, now, is_field, rule, min, max, lower, has_time)?;
            return Ok(TagPredicate::and(a, b));
        }
        BinaryOp::Or => {
            if contains_time(lhs) || contains_time(rhs) {
                return Err(ExecError::Invalid(
                    "time conditions cannot be combined with OR".into(),
                ));
            }
            let a = walk(lhs, now, is_field, rule, min, max, lower, has_time)?;
            let b = walk(rhs, now, is_field, rule, min, max, lower, has_time)?;
            return Ok(match (a, b) {
                (TagPredicate::All, _) | (_, TagPredicate::All) => TagPredicate::All,
                (a, b) => TagPredicate::Or(Box::new(a), Box::new(b)),
            });
        }
        _ => {}
    }
    let (op, time_side, other) = if is_time(lhs) {
        (*op, lhs, rhs)
    } else if is_time(rhs) {
        (flip(*op), rhs, lhs)
    } else {
        (*op, lhs, rhs)
    };
    if is_time(time_side) {
        let t = eval_time(other, now)?;
        *has_time = true;
        match op {
            BinaryOp::Gt => {
                *min = (*min).max(t.saturating_add(1));
                *lower = true;
            }
            BinaryOp::Gte => {
                *min = (*min).max(t);
                *lower = true;
            }
            BinaryOp::Lt => *max = (*max).min(t.saturating_sub(1)),
            BinaryOp::Lte => *max = (*max).min(t),
            BinaryOp::Eq => {
                *min = (*min).max(t);
                *max = (*max).min(t);
                *lower = true;
            }
            _ => {
                return Err(ExecError::Unsupported(format!(
                    "time condition with operator {op}"
                )));
            }
        }
        return Ok(TagPredicate::All);
    }
    // A tag (or field) compared with a literal; `'v' = k` is `k = 'v'`.
    let (name, lit) = match (lhs.unparen(), rhs.unparen()) {
        (Expr::VarRef { name, .. }, Expr::Literal(l)) => (name, l),
        (Expr::Literal(l), Expr::VarRef { name, .. })
            if matches!(op, BinaryOp::Eq | BinaryOp::Neq) =>
        {
            (name, l)
        }
        _ => {
            return Err(if op.is_condition() && op.precedence() == 4 {
                ExecError::Invalid("invalid tag comparison operator".into())
            } else {
                ExecError::Invalid(format!("invalid condition {e}"))
            });
        }
    };
    if is_field(name) {
        match rule {
            FieldRule::AsTags => {}
            FieldRule::Unsupported => {
                return Err(ExecError::Unsupported(format!("field condition {e}")));
            }
            FieldRule::DeleteError => {
                return Err(ExecError::Invalid(
                    "fields not supported in WHERE clause during deletion".into(),
                ));
            }
        }
    }
    let text = |l: &Literal| match l {
        Literal::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (op, lit) {
        (BinaryOp::Eq, Literal::Regex(_)) | (BinaryOp::Neq, Literal::Regex(_)) => Err(
            ExecError::Invalid(format!("invalid condition {e}: regex needs =~ or !~")),
        ),
        (BinaryOp::Eq, l) => Ok(TagPredicate::Eq(name.clone(), text(l))),
        (BinaryOp::Neq, l) => Ok(TagPredicate::Ne(name.clone(), text(l))),
        (BinaryOp::EqRegex, Literal::Regex(r)) => Ok(TagPredicate::Regex(name.clone(), regex(r)?)),
        (BinaryOp::NeqRegex, Literal::Regex(r)) => {
            Ok(TagPredicate::NotRegex(name.clone(), regex(r)?))
        }
        _ => Err(ExecError::Invalid("invalid tag comparison operator".into())),
    }
}

fn regex(pattern: &str) -> Result<TagRegex, ExecError> {
    TagRegex::new(pattern).map_err(ExecError::Invalid)
}

/// Splits a SELECT's WHERE clause into a [`Filter`]: time bounds and a tag predicate. `is_field`
/// tells fields from tags; conditions on fields are refused (see [`select_condition`] for them).
pub fn filter_from_condition(
    cond: Option<&Expr>,
    now: i64,
    is_field: &dyn Fn(&str) -> bool,
) -> Result<Filter, ExecError> {
    let c = tag_condition(cond, now, is_field, FieldRule::Unsupported)?;
    Ok(Filter {
        min_time: c.min_time,
        max_time: c.max_time,
        has_lower_bound: c.has_lower_bound,
        predicate: c.predicate,
    })
}

/// A SELECT's WHERE clause split three ways (see [`select_condition`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SelectCondition {
    /// Time range and the tag predicate of the top-level conjuncts that name no field.
    pub tags: TagCondition,
    /// The top-level conjuncts that name a field (AND-ed), evaluated row by row.
    pub residual: Option<Expr>,
}

/// Splits a SELECT's WHERE clause at its top-level `AND`s: conjuncts naming a field go to the
/// residual (rows are filtered by it, tags in it compare per series), the rest to the tag predicate
/// and time range. `time` inside an `OR` is an error (InfluxDB 1.6.7 silently returns nothing).
pub fn select_condition(
    cond: Option<&Expr>,
    now: i64,
    is_field: &dyn Fn(&str) -> bool,
) -> Result<SelectCondition, ExecError> {
    let mut conjuncts = Vec::new();
    if let Some(c) = cond {
        split_and(c, &mut conjuncts);
    }
    let mut tag_part: Option<Expr> = None;
    let mut residual: Option<Expr> = None;
    for c in conjuncts {
        let slot = if names_field(c, is_field) {
            if contains_time(c) {
                return Err(ExecError::Invalid(
                    "time conditions cannot be combined with OR".into(),
                ));
            }
            &mut residual
        } else {
            &mut tag_part
        };
        *slot = Some(match slot.take() {
            None => c.clone(),
            Some(prev) => Expr::Binary {
                op: BinaryOp::And,
                lhs: Box::new(prev),
                rhs: Box::new(c.clone()),
            },
        });
    }
    let tags = tag_condition(tag_part.as_ref(), now, is_field, FieldRule::AsTags)?;
    Ok(SelectCondition { tags, residual })
}

fn split_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e.unparen() {
        Expr::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            split_and(lhs, out);
            split_and(rhs, out);
        }
        other => out.push(other),
    }
}

fn names_field(e: &Expr, is_field: &dyn Fn(&str) -> bool) -> bool {
    match e {
        Expr::VarRef { name, data_type } => {
            !name.eq_ignore_ascii_case("time")
                && data_type != &Some(crate::ast::VarType::Tag)
                && (is_field(name) || data_type == &Some(crate::ast::VarType::Field))
        }
        Expr::Paren(e) => names_field(e, is_field),
        Expr::Binary { lhs, rhs, .. } => names_field(lhs, is_field) || names_field(rhs, is_field),
        Expr::Call { args, .. } => args.iter().any(|a| names_field(a, is_field)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(e: Expr) -> String {
        match eval_time(&e, 0) {
            Err(e) => e.to_string(),
            Ok(t) => format!("ok {t}"),
        }
    }

    #[test]
    fn time_literal_errors_use_influxdb_texts() {
        let s = |v: &str| Expr::Literal(Literal::String(v.into()));
        assert_eq!(err(s("2024-13-45")), "invalid timestamp string");
        assert_eq!(err(s("2024-01-01Tjunk")), "invalid timestamp string");
        assert_eq!(
            err(s("garbage")),
            "invalid operation: time and *influxql.StringLiteral are not compatible"
        );
        assert_eq!(
            err(Expr::Literal(Literal::Regex("x".into()))),
            "invalid operation: time and *influxql.RegexLiteral are not compatible"
        );
        assert_eq!(err(s("1970-01-01T00:00:01Z")), "ok 1000000000");
    }

    #[test]
    fn time_regex_in_where_is_not_compatible() {
        let cond = Expr::Binary {
            op: BinaryOp::EqRegex,
            lhs: Box::new(Expr::var("time")),
            rhs: Box::new(Expr::Literal(Literal::Regex("x".into()))),
        };
        let e = select_condition(Some(&cond), 0, &|_| false).expect_err("must fail");
        assert_eq!(
            e.to_string(),
            "invalid operation: time and *influxql.RegexLiteral are not compatible"
        );
    }
}
