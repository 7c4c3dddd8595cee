//! Expressions by precedence climbing (OR < AND < comparisons < `+ - | ^` < `* / % &`, all left
//! associative), over unary expressions: parentheses, `*`, calls, variable references with `::type`,
//! and literals.

use super::error::{Kind, PResult, expected, failure, must};
use super::lexical::{Number, bare_word, identifier, number, regex_lit, string_lit, symbol, ws};
use crate::ast::{BinaryOp, Expr, Literal, VarType, is_keyword};

const UNARY_EXPECTED: &[&str] = &["identifier", "string", "number", "bool"];

/// A full expression.
pub(crate) fn expr(i: &str) -> PResult<'_, Expr> {
    binary(i, 1)
}

fn binary(i: &str, min_prec: u8) -> PResult<'_, Expr> {
    let (mut i, mut lhs) = unary(i)?;
    while let Some((op, after)) = operator(i) {
        let prec = op.precedence();
        if prec < min_prec {
            break;
        }
        let (rest, rhs) = if matches!(op, BinaryOp::EqRegex | BinaryOp::NeqRegex) {
            let (rest, re) = must(regex_lit(after))?;
            (rest, Expr::Literal(Literal::Regex(re)))
        } else {
            must(binary(after, prec + 1))?
        };
        lhs = Expr::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        };
        i = rest;
    }
    Ok((i, lhs))
}

/// The binary operator at the start of `i` (after whitespace), if any.
fn operator(i: &str) -> Option<(BinaryOp, &str)> {
    use BinaryOp::*;
    let i = ws(i);
    const TWO: [(&str, BinaryOp); 6] = [
        ("<=", Lte),
        (">=", Gte),
        ("!=", Neq),
        ("<>", Neq),
        ("=~", EqRegex),
        ("!~", NeqRegex),
    ];
    for (s, op) in TWO {
        if let Some(rest) = i.strip_prefix(s) {
            return Some((op, rest));
        }
    }
    let op = match i.chars().next()? {
        '=' => Eq,
        '<' => Lt,
        '>' => Gt,
        '+' => Add,
        '-' => Sub,
        '*' => Mul,
        '/' => Div,
        '%' => Mod,
        '&' => BitAnd,
        '|' => BitOr,
        '^' => BitXor,
        _ => {
            let (w, rest) = bare_word(i)?;
            return if w.eq_ignore_ascii_case("AND") {
                Some((And, rest))
            } else if w.eq_ignore_ascii_case("OR") {
                Some((Or, rest))
            } else {
                None
            };
        }
    };
    Some((op, &i[1..]))
}

/// A unary expression.
pub(crate) fn unary(i: &str) -> PResult<'_, Expr> {
    let i = ws(i);
    let Some(c) = i.chars().next() else {
        return expected(i, UNARY_EXPECTED);
    };
    match c {
        '(' => {
            let (rest, e) = must(expr(&i[1..]))?;
            let (rest, ()) = must(symbol(")")(rest))?;
            Ok((rest, Expr::Paren(Box::new(e))))
        }
        '*' => {
            let (rest, t) = cast(&i[1..])?;
            Ok((rest, Expr::Wildcard(t)))
        }
        '\'' => {
            let (rest, s) = string_lit(i).or_else(|_| expected(i, UNARY_EXPECTED))?;
            Ok((rest, Expr::Literal(Literal::String(s))))
        }
        '-' | '+' => signed_unary(&i[1..], c == '-'),
        '.' | '0'..='9' => {
            let (rest, n) = number(i)?;
            Ok((rest, Expr::Literal(signed(n, false))))
        }
        '"' => var_ref(i),
        '$' => {
            // A bound parameter left unbound (missing, or a value that cannot be bound).
            let (name, _) = super::params::param_name(i);
            let message = if name.is_empty() {
                "empty bound parameter".to_owned()
            } else {
                format!("missing parameter: {name}")
            };
            failure(i, Kind::Plain(message))
        }
        _ => match bare_word(i) {
            Some((w, rest)) if w.eq_ignore_ascii_case("true") => {
                Ok((rest, Expr::Literal(Literal::Boolean(true))))
            }
            Some((w, rest)) if w.eq_ignore_ascii_case("false") => {
                Ok((rest, Expr::Literal(Literal::Boolean(false))))
            }
            // `distinct(f)` is a call; `DISTINCT f` is InfluxQL's other spelling of it.
            Some((w, rest)) if w.eq_ignore_ascii_case("DISTINCT") => match rest.strip_prefix('(') {
                Some(args) => call(w, args),
                None => distinct_ident(rest),
            },
            Some((w, rest)) if !is_keyword(w) && ws(rest).starts_with('(') => {
                call(w, &ws(rest)[1..])
            }
            Some(_) => var_ref(i),
            None => expected(i, UNARY_EXPECTED),
        },
    }
}

/// After a leading `-` or `+`: a number literal takes the sign; an identifier, call or
/// parenthesized expression `e` becomes `-1 * e` (1.6.7's reading of unary minus, which names the
/// column after `e`) or `e` itself.
fn signed_unary(after: &str, negative: bool) -> PResult<'_, Expr> {
    const SIGNED_EXPECTED: &[&str] = &["identifier", "number", "duration", "("];
    let at = ws(after);
    match number(at) {
        Ok((rest, n)) => return Ok((rest, Expr::Literal(signed(n, negative)))),
        Err(nom::Err::Failure(e)) => return Err(nom::Err::Failure(e)),
        Err(_) => {}
    }
    let operand_starts = match bare_word(at) {
        Some((w, _)) => {
            !is_keyword(w) && !w.eq_ignore_ascii_case("true") && !w.eq_ignore_ascii_case("false")
        }
        None => at.starts_with(['"', '(']),
    };
    if !operand_starts {
        return failure(at, Kind::Expected(SIGNED_EXPECTED.to_vec()));
    }
    let (rest, e) = must(unary(at))?;
    if !negative {
        return Ok((rest, e));
    }
    Ok((
        rest,
        Expr::Binary {
            op: BinaryOp::Mul,
            lhs: Box::new(Expr::Literal(Literal::Integer(-1))),
            rhs: Box::new(e),
        },
    ))
}

/// `DISTINCT f` (entered after the keyword): the call `distinct(f)`.
fn distinct_ident(i: &str) -> PResult<'_, Expr> {
    let (rest, name) = must(identifier(i))?;
    Ok((
        rest,
        Expr::Call {
            name: "distinct".to_owned(),
            args: vec![Expr::var(name)],
        },
    ))
}

fn signed(n: Number, negative: bool) -> Literal {
    match (n, negative) {
        (Number::Integer(v), neg) => Literal::Integer(if neg { -v } else { v }),
        (Number::Float(v), neg) => Literal::Float(if neg { -v } else { v }),
        (Number::Duration(v), neg) => Literal::Duration(if neg { -v } else { v }),
    }
}

/// `name(args)`, entered after the `(`.
fn call<'a>(name: &str, i: &'a str) -> PResult<'a, Expr> {
    let name = name.to_ascii_lowercase();
    let mut args = Vec::new();
    if let Ok((rest, ())) = symbol(")")(i) {
        return Ok((rest, Expr::Call { name, args }));
    }
    let mut i = i;
    loop {
        // Only the first argument may be a bare `/regex/` (`count(/^v/)`), as in 1.6.7.
        let (rest, a) = if args.is_empty() && ws(i).starts_with('/') {
            let (rest, re) = regex_lit(i)?;
            (rest, Expr::Literal(Literal::Regex(re)))
        } else {
            must(expr(i))?
        };
        args.push(a);
        let after = ws(rest);
        if let Some(r) = after.strip_prefix(',') {
            i = r;
        } else if let Some(r) = after.strip_prefix(')') {
            return Ok((r, Expr::Call { name, args }));
        } else {
            return failure(after, Kind::Expected(vec![",", ")"]));
        }
    }
}

fn var_ref(i: &str) -> PResult<'_, Expr> {
    let (rest, name) = identifier(i).or_else(|_| expected(i, UNARY_EXPECTED))?;
    let (rest, data_type) = cast(rest)?;
    Ok((rest, Expr::VarRef { name, data_type }))
}

/// An optional `::type` directly after a reference.
fn cast(i: &str) -> PResult<'_, Option<VarType>> {
    let Some(after) = i.strip_prefix("::") else {
        return Ok((i, None));
    };
    match bare_word(after) {
        Some((w, rest)) => match VarType::from_name(w) {
            Some(t) => Ok((rest, Some(t))),
            None => failure(
                after,
                Kind::Expected(vec![
                    "float", "integer", "unsigned", "string", "boolean", "field", "tag",
                ]),
            ),
        },
        None => failure(
            after,
            Kind::Expected(vec![
                "float", "integer", "string", "boolean", "field", "tag",
            ]),
        ),
    }
}
