//! `SELECT` statements.

use std::fmt::{self, Write as _};

use super::expr::{Expr, Literal};
use super::quote::{quote_ident, quote_string};

/// `SELECT fields [INTO target] FROM sources [WHERE cond] [GROUP BY dims] [fill(..)]
/// [ORDER BY time ASC|DESC] [LIMIT n] [OFFSET n] [SLIMIT n] [SOFFSET n] [tz('..')]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SelectStatement {
    pub fields: Vec<Field>,
    pub into: Option<MeasurementName>,
    pub sources: Vec<Source>,
    pub condition: Option<Expr>,
    pub dimensions: Vec<Dimension>,
    pub fill: Option<Fill>,
    pub order: Option<SortOrder>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub slimit: Option<u64>,
    pub soffset: Option<u64>,
    pub timezone: Option<String>,
}

/// One entry of the field list.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub expr: Expr,
    pub alias: Option<String>,
}

/// A measurement reference `[db.][rp.]name`, where `name` may be a regex (in FROM).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MeasurementName {
    pub database: Option<String>,
    pub retention_policy: Option<String>,
    pub name: NamePattern,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NamePattern {
    Name(String),
    Regex(String),
}

impl Default for NamePattern {
    fn default() -> Self {
        NamePattern::Name(String::new())
    }
}

/// A FROM source.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Measurement(MeasurementName),
    Subquery(Box<SelectStatement>),
}

/// A GROUP BY dimension: `time(…)`, a tag, `*` or `/regex/`, as an expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    pub expr: Expr,
}

/// `fill(…)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Fill {
    Null,
    None,
    Previous,
    Linear,
    Value(Literal),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(a) = &self.alias {
            f.write_str(" AS ")?;
            quote_ident(f, a)?;
        }
        Ok(())
    }
}

impl fmt::Display for MeasurementName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = &self.database {
            quote_ident(f, db)?;
            f.write_char('.')?;
        }
        if let Some(rp) = &self.retention_policy {
            quote_ident(f, rp)?;
        }
        if self.database.is_some() || self.retention_policy.is_some() {
            f.write_char('.')?;
        }
        match &self.name {
            // INTO's "each row's own measurement" target.
            NamePattern::Name(n) if n == ":MEASUREMENT" => f.write_str(n),
            NamePattern::Name(n) => quote_ident(f, n),
            NamePattern::Regex(r) => write!(f, "{}", Literal::Regex(r.clone())),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Measurement(m) => write!(f, "{m}"),
            Source::Subquery(s) => write!(f, "({s})"),
        }
    }
}

impl fmt::Display for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fill::Null => f.write_str("fill(null)"),
            Fill::None => f.write_str("fill(none)"),
            Fill::Previous => f.write_str("fill(previous)"),
            Fill::Linear => f.write_str("fill(linear)"),
            Fill::Value(v) => write!(f, "fill({v})"),
        }
    }
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{it}")?;
    }
    Ok(())
}

impl SelectStatement {
    /// Whether the field list has no function call at all (InfluxDB's `IsRawQuery`).
    pub fn is_raw(&self) -> bool {
        fn has_call(e: &Expr) -> bool {
            match e {
                Expr::Call { .. } => true,
                Expr::Binary { lhs, rhs, .. } => has_call(lhs) || has_call(rhs),
                Expr::Paren(e) => has_call(e),
                _ => false,
            }
        }
        !self.fields.iter().any(|f| has_call(&f.expr))
    }
}

impl fmt::Display for SelectStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        write_list(f, &self.fields)?;
        if let Some(into) = &self.into {
            write!(f, " INTO {into}")?;
        }
        f.write_str(" FROM ")?;
        write_list(f, &self.sources)?;
        if let Some(c) = &self.condition {
            write!(f, " WHERE {c}")?;
        }
        if !self.dimensions.is_empty() {
            f.write_str(" GROUP BY ")?;
            let dims: Vec<&Expr> = self.dimensions.iter().map(|d| &d.expr).collect();
            write_list(f, &dims)?;
        }
        if let Some(fill) = &self.fill {
            write!(f, " {fill}")?;
        }
        match self.order {
            Some(SortOrder::Asc) => f.write_str(" ORDER BY time ASC")?,
            Some(SortOrder::Desc) => f.write_str(" ORDER BY time DESC")?,
            None => {}
        }
        for (kw, v) in [
            ("LIMIT", self.limit),
            ("OFFSET", self.offset),
            ("SLIMIT", self.slimit),
            ("SOFFSET", self.soffset),
        ] {
            if let Some(v) = v {
                write!(f, " {kw} {v}")?;
            }
        }
        if let Some(tz) = &self.timezone {
            f.write_str(" tz(")?;
            quote_string(f, tz)?;
            f.write_char(')')?;
        }
        Ok(())
    }
}
