//! The inverted series index of one database (TSI): `fst` term dictionaries over measurement,
//! measurement + tag key and measurement + tag key + tag value terms, each pointing at a `roaring`
//! bitmap of series ids; a mutable in-memory layer for new series; immutable memory-mapped index
//! segments; background merge with an atomic manifest swap. Format: `docs/format/series-index.md`.
//!
//! Invariants:
//! 1. The index maps terms to ids; it does not decide liveness. Callers intersect its answers with
//!    the set of series that have data in the shards they look at (time awareness, deletes).
//! 2. A term's postings are the union of its postings in every layer; merges keep only ids of the
//!    `live` set they are given, and drop terms left without ids.
//! 3. Sealed segment files are never modified; the manifest names the live ones and is replaced
//!    atomically; data from disk is validated before use (magic, version, CRC, bounds).
//! 4. Readers work on a snapshot of the layer set (an `Arc`); maintenance builds new segments
//!    without blocking them and publishes the new set under a short lock.
//!
//! Files: [`term`] (term encoding), [`mutable`] (in-memory layer), [`segment`] (segment file),
//! [`manifest`], [`automaton`] (regex DFA over the fst), [`series_index`] (open, insert, layers),
//! [`read`] (lookups and ordered scans), [`eval`] (predicates), [`maintain`] (flush and merge).

mod automaton;
mod error;
mod eval;
mod maintain;
mod manifest;
mod mutable;
mod predicate;
mod read;
mod segment;
mod series_index;
mod term;
#[cfg(test)]
mod tests;

pub use automaton::DFA_SIZE_LIMIT;
pub use error::IndexError;
pub use predicate::{TagPredicate, TagRegex};
pub use series_index::{IndexOptions, SeriesIndex};
