//! Statement execution: AST statements in, [`crate::response::StatementResult`]s out.
//!
//! Invariants:
//! 1. One result per statement, in order, each carrying its `statement_id`; after the first failed
//!    statement every later one yields `not executed` (InfluxDB's intent, without 1.x's id bug).
//! 2. A statement never panics on any input: unsupported forms return an [`ExecError`] whose text
//!    names what is missing.
//! 3. Raw `SELECT` without GROUP BY returns one series per measurement (name only, no tags) whose rows
//!    are all matching series' points merged by time (ties keep series-key order); a row exists where
//!    at least one selected field has a value.
//! 4. Aggregates without GROUP BY return one row stamped with the query's lower time bound (or the
//!    epoch), except a lone `min`/`max`, which carries the selected point's time (earliest on ties).
//! 5. Time bounds follow InfluxQL: `time > t` means `>= t+1ns`, `time < t` means `<= t-1ns`; no bound
//!    means the whole time range.

mod condition;
mod error;
mod executor;
pub mod functions;
mod limits;
mod manager;
mod mem_store;
mod meta;
mod retention;
mod schema;
pub(crate) mod select;
mod store;

#[cfg(test)]
mod tests;

pub use condition::{
    FieldRule, Filter, SelectCondition, TagCondition, eval_time, filter_from_condition,
    select_condition, tag_condition,
};
pub use error::ExecError;
pub use executor::{ExecContext, execute, execute_each};
pub use limits::{Interrupt, QueryLimits};
pub use manager::{ManagerConfig, QueryHandle, QueryManager, go_duration};
pub use mem_store::MemStore;
pub use select::Trace;
pub use store::Store;
