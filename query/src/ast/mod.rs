//! The InfluxQL syntax tree.
//!
//! Invariants:
//! 1. Every node implements `Display`, printing canonical InfluxQL: keywords upper case, function
//!    names lower case, identifiers quoted only when needed (`QuoteIdent`), strings single-quoted with
//!    `\'`/`\\` escapes, durations in the largest exact unit (`90m`, `7d`).
//! 2. Printing is a fixed point: `parse(parse(s).to_string()).to_string() == parse(s).to_string()`,
//!    and the reparsed tree equals the first one.
//! 3. The tree holds what the text says, nothing resolved: names are not checked against the
//!    catalog and time expressions are not evaluated (that is `exec`'s job).

mod continuous;
mod expr;
mod quote;
mod retention;
mod schema;
mod select;
mod statement;
mod users;

pub use continuous::{
    BackfillContinuousQueryStatement, CreateContinuousQueryStatement, DropContinuousQueryStatement,
    ShowContinuousQueryStatsStatement,
};
pub use expr::{BinaryOp, Expr, Literal, VarType};
pub use quote::{KEYWORDS, is_keyword, quote_ident, quote_string};
pub use retention::{
    AlterRetentionPolicyStatement, CreateRetentionPolicyStatement, DropRetentionPolicyStatement,
    DropShardStatement,
};
pub use schema::{
    CardinalityKind, DeleteStatement, DropMeasurementStatement, DropSeriesStatement,
    ShowCardinalityStatement, ShowFieldKeysStatement, ShowSeriesStatement, ShowTagKeysStatement,
    ShowTagValuesStatement, TagKeyMatch,
};
pub use select::{
    Dimension, Field, Fill, MeasurementName, NamePattern, SelectStatement, SortOrder, Source,
};
pub use statement::{
    CreateDatabaseStatement, DropDatabaseStatement, ExplainStatement, KillQueryStatement,
    ShowMeasurementsStatement, ShowRetentionPoliciesStatement, Statement, UnsupportedStatement,
};
pub use users::{CreateUserStatement, GrantStatement, Privilege, SetPasswordStatement};
