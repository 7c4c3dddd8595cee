//! Helpers shared by the parser tests.

use super::{parse_query, parse_statement};
use crate::ast::Statement;

/// The one statement `s` parses to (panics with the error otherwise).
pub(super) fn one(s: &str) -> Statement {
    parse_statement(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// The error `s` fails with (panics when it parses).
pub(super) fn err(s: &str) -> String {
    match parse_query(s) {
        Ok(v) => panic!("{s:?} parsed: {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// `parse(s).to_string()` is canonical: printing, reparsing and printing again gives the same text
/// and the same tree. Returns the printed text.
pub(super) fn round_trip(s: &str) -> String {
    let first = one(s);
    let printed = first.to_string();
    let second = one(&printed);
    assert_eq!(second, first, "tree changed through {printed:?}");
    assert_eq!(second.to_string(), printed);
    printed
}
