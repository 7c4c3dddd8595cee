//! The InfluxQL parser (nom 8): query text → [`crate::ast::Statement`]s.
//!
//! Invariants:
//! 1. One small function per grammar rule; each skips leading whitespace and comments itself, so
//!    an error always points at the start of the offending token.
//! 2. A recoverable `nom::Err::Error` means "this rule does not start here"; once a rule is certain
//!    (its leading keyword matched) every later error is a `nom::Err::Failure` (a commit point), so
//!    the error reports the deepest, most specific expectation.
//! 3. Errors read like InfluxDB's: `found X, expected A, B at line L, char C` where X is the token at
//!    the error position (`EOF` at the end), lines and chars counted from 1, chars in characters.
//! 4. Statements are separated by `;`; empty statements are skipped; a statement followed by anything
//!    but `;` or the end is an error (`found X, expected ;`).
//! 5. Statement kinds that InfluxQL has but taildb does not implement yet parse into
//!    `Statement::Unsupported` (their text up to the next `;`), so one of them in a multi-statement
//!    query yields a per-statement error rather than failing the whole request.
//! 6. Bound parameters (`$name`) are substituted token by token before parsing (see `params`).

mod continuous;
mod error;
mod expr;
mod json;
mod lexical;
mod meta;
mod params;
mod retention;
mod schema;
mod select;
mod statement;
mod users;

#[cfg(test)]
mod continuous_tests;
#[cfg(test)]
mod params_tests;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use error::ParseError;
pub use params::{BoundValue, Params, ParamsError, parse_params, parse_query_with_params};
pub use statement::{parse_query, parse_statement};
