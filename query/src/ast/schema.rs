//! Schema exploration and delete statements over the series index.

use std::fmt;

use super::expr::{Expr, Literal};
use super::quote::quote_ident;
use super::select::MeasurementName;

/// Which tag keys `SHOW TAG VALUES … WITH KEY` selects.
#[derive(Clone, Debug, PartialEq)]
pub enum TagKeyMatch {
    Eq(String),
    Ne(String),
    Regex(String),
    NotRegex(String),
    In(Vec<String>),
}

impl TagKeyMatch {
    /// Whether the key list is known without asking the index (`=` and `IN`).
    pub fn literal_keys(&self) -> Option<Vec<String>> {
        match self {
            TagKeyMatch::Eq(k) => Some(vec![k.clone()]),
            TagKeyMatch::In(ks) => {
                let mut ks = ks.clone();
                ks.sort();
                ks.dedup();
                Some(ks)
            }
            _ => None,
        }
    }
}

/// `SHOW TAG KEYS [ON db] [FROM …] [WHERE] [LIMIT n] [OFFSET n]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ShowTagKeysStatement {
    pub database: Option<String>,
    pub sources: Vec<MeasurementName>,
    pub condition: Option<Expr>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// `SHOW TAG VALUES [ON db] [FROM …] WITH KEY … [WHERE] [LIMIT n] [OFFSET n]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ShowTagValuesStatement {
    pub database: Option<String>,
    pub sources: Vec<MeasurementName>,
    pub key: TagKeyMatch,
    pub condition: Option<Expr>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// `SHOW FIELD KEYS [ON db] [FROM …] [LIMIT n] [OFFSET n]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ShowFieldKeysStatement {
    pub database: Option<String>,
    pub sources: Vec<MeasurementName>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// `SHOW SERIES [ON db] [FROM …] [WHERE] [LIMIT n] [OFFSET n]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ShowSeriesStatement {
    pub database: Option<String>,
    pub sources: Vec<MeasurementName>,
    pub condition: Option<Expr>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// What a cardinality statement counts.
#[derive(Clone, Debug, PartialEq)]
pub enum CardinalityKind {
    Series,
    Measurement,
    TagKey,
    /// `SHOW TAG VALUES [EXACT] CARDINALITY … WITH KEY …`.
    TagValues(TagKeyMatch),
    FieldKey,
}

/// `SHOW <kind> [EXACT] CARDINALITY [ON db] [FROM …] [WITH KEY …] [WHERE] [LIMIT n] [OFFSET n]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ShowCardinalityStatement {
    pub kind: CardinalityKind,
    pub exact: bool,
    pub database: Option<String>,
    pub sources: Vec<MeasurementName>,
    pub condition: Option<Expr>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// `DROP SERIES [FROM …] [WHERE]` (at least one of the two).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DropSeriesStatement {
    pub sources: Vec<MeasurementName>,
    pub condition: Option<Expr>,
}

/// `DROP MEASUREMENT name`.
#[derive(Clone, Debug, PartialEq)]
pub struct DropMeasurementStatement {
    pub name: String,
}

/// `DELETE [FROM …] [WHERE]` (at least one of the two).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DeleteStatement {
    pub sources: Vec<MeasurementName>,
    pub condition: Option<Expr>,
}

pub(crate) fn write_on(f: &mut fmt::Formatter<'_>, db: &Option<String>) -> fmt::Result {
    if let Some(db) = db {
        f.write_str(" ON ")?;
        quote_ident(f, db)?;
    }
    Ok(())
}

pub(crate) fn write_from(f: &mut fmt::Formatter<'_>, sources: &[MeasurementName]) -> fmt::Result {
    for (i, s) in sources.iter().enumerate() {
        f.write_str(if i == 0 { " FROM " } else { ", " })?;
        write!(f, "{s}")?;
    }
    Ok(())
}

pub(crate) fn write_where(f: &mut fmt::Formatter<'_>, c: &Option<Expr>) -> fmt::Result {
    if let Some(c) = c {
        write!(f, " WHERE {c}")?;
    }
    Ok(())
}

pub(crate) fn write_limits(
    f: &mut fmt::Formatter<'_>,
    limit: Option<u64>,
    offset: Option<u64>,
) -> fmt::Result {
    if let Some(l) = limit {
        write!(f, " LIMIT {l}")?;
    }
    if let Some(o) = offset {
        write!(f, " OFFSET {o}")?;
    }
    Ok(())
}

impl fmt::Display for TagKeyMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(" WITH KEY ")?;
        match self {
            TagKeyMatch::Eq(k) => {
                f.write_str("= ")?;
                quote_ident(f, k)
            }
            TagKeyMatch::Ne(k) => {
                f.write_str("!= ")?;
                quote_ident(f, k)
            }
            TagKeyMatch::Regex(r) => write!(f, "=~ {}", Literal::Regex(r.clone())),
            TagKeyMatch::NotRegex(r) => write!(f, "!~ {}", Literal::Regex(r.clone())),
            TagKeyMatch::In(ks) => {
                f.write_str("IN (")?;
                for (i, k) in ks.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    quote_ident(f, k)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for ShowTagKeysStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHOW TAG KEYS")?;
        write_on(f, &self.database)?;
        write_from(f, &self.sources)?;
        write_where(f, &self.condition)?;
        write_limits(f, self.limit, self.offset)
    }
}

impl fmt::Display for ShowTagValuesStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHOW TAG VALUES")?;
        write_on(f, &self.database)?;
        write_from(f, &self.sources)?;
        write!(f, "{}", self.key)?;
        write_where(f, &self.condition)?;
        write_limits(f, self.limit, self.offset)
    }
}

impl fmt::Display for ShowFieldKeysStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHOW FIELD KEYS")?;
        write_on(f, &self.database)?;
        write_from(f, &self.sources)?;
        write_limits(f, self.limit, self.offset)
    }
}

impl fmt::Display for ShowSeriesStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SHOW SERIES")?;
        write_on(f, &self.database)?;
        write_from(f, &self.sources)?;
        write_where(f, &self.condition)?;
        write_limits(f, self.limit, self.offset)
    }
}

impl fmt::Display for ShowCardinalityStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            CardinalityKind::Series => "SHOW SERIES",
            CardinalityKind::Measurement => "SHOW MEASUREMENT",
            CardinalityKind::TagKey => "SHOW TAG KEY",
            CardinalityKind::TagValues(_) => "SHOW TAG VALUES",
            CardinalityKind::FieldKey => "SHOW FIELD KEY",
        })?;
        if self.exact {
            f.write_str(" EXACT")?;
        }
        f.write_str(" CARDINALITY")?;
        write_on(f, &self.database)?;
        write_from(f, &self.sources)?;
        if let CardinalityKind::TagValues(k) = &self.kind {
            write!(f, "{k}")?;
        }
        write_where(f, &self.condition)?;
        write_limits(f, self.limit, self.offset)
    }
}

impl fmt::Display for DropSeriesStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP SERIES")?;
        write_from(f, &self.sources)?;
        write_where(f, &self.condition)
    }
}

impl fmt::Display for DropMeasurementStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP MEASUREMENT ")?;
        quote_ident(f, &self.name)
    }
}

impl fmt::Display for DeleteStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DELETE")?;
        write_from(f, &self.sources)?;
        write_where(f, &self.condition)
    }
}
