//! Tag predicates: the tag part of a `WHERE` clause, as the index evaluates it.
//!
//! Semantics follow InfluxDB 1.x: a series lacking tag `k` behaves as if `k = ''`. So
//! `k = ''` selects series without `k`, `k != 'v'` includes series without `k`, and a regex that
//! matches the empty string (`/^$/`, `/.*/`) also selects series without `k`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use regex_automata::dfa::dense::DFA;

use super::automaton::build_dfa;

/// A compiled tag-value regex. InfluxQL regexes are unanchored (Go `regexp.MatchString`); the
/// pattern is RE2 syntax, which the `regex` crate accepts for every form InfluxQL users write.
///
/// The index runs the same pattern as a dense DFA over its term dictionary; the DFA is built on
/// first use and shared by clones (`None` when it would exceed the size limit of
/// [`super::automaton`], in which case the index filters with [`TagRegex::is_match`]).
#[derive(Clone)]
pub struct TagRegex {
    regex: regex::Regex,
    dfa: Arc<OnceLock<Option<DFA<Vec<u32>>>>>,
}

impl TagRegex {
    /// Compiles `pattern` (without the surrounding slashes, `\/` already unescaped).
    pub fn new(pattern: &str) -> Result<TagRegex, String> {
        regex::Regex::new(pattern)
            .map(|regex| TagRegex {
                regex,
                dfa: Arc::new(OnceLock::new()),
            })
            .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))
    }

    /// The unanchored dense DFA of the pattern, built on first use; `None` when the pattern cannot
    /// be compiled to a DFA within the size limit (then callers filter with [`TagRegex::is_match`]).
    pub(crate) fn dfa(&self) -> Option<&DFA<Vec<u32>>> {
        self.dfa
            .get_or_init(|| build_dfa(self.regex.as_str()))
            .as_ref()
    }

    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// Whether the pattern matches anywhere in `value`.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

impl fmt::Debug for TagRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.regex.as_str())
    }
}

impl PartialEq for TagRegex {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

/// A boolean expression over a series' tags.
#[derive(Clone, Debug, PartialEq)]
pub enum TagPredicate {
    /// Every series (an empty `WHERE`).
    All,
    /// `key = 'value'` (`value` empty: series lacking `key`).
    Eq(String, String),
    /// `key != 'value'` (series lacking `key` included unless `value` is empty).
    Ne(String, String),
    /// `key =~ /re/`.
    Regex(String, TagRegex),
    /// `key !~ /re/`.
    NotRegex(String, TagRegex),
    And(Box<TagPredicate>, Box<TagPredicate>),
    Or(Box<TagPredicate>, Box<TagPredicate>),
}

impl TagPredicate {
    /// Evaluates against one series' tags (sorted or not). The index must agree with this for every
    /// series; tests use it as the model.
    pub fn matches<K: AsRef<str>, V: AsRef<str>>(&self, tags: &[(K, V)]) -> bool {
        let value = |key: &str| -> &str {
            tags.iter()
                .find(|(k, _)| k.as_ref() == key)
                .map(|(_, v)| v.as_ref())
                .unwrap_or("")
        };
        match self {
            TagPredicate::All => true,
            TagPredicate::Eq(k, v) => value(k) == v,
            TagPredicate::Ne(k, v) => value(k) != v,
            TagPredicate::Regex(k, re) => re.is_match(value(k)),
            TagPredicate::NotRegex(k, re) => !re.is_match(value(k)),
            TagPredicate::And(a, b) => a.matches(tags) && b.matches(tags),
            TagPredicate::Or(a, b) => a.matches(tags) || b.matches(tags),
        }
    }

    /// `a AND b`, simplifying `All`.
    pub fn and(a: TagPredicate, b: TagPredicate) -> TagPredicate {
        match (a, b) {
            (TagPredicate::All, x) | (x, TagPredicate::All) => x,
            (a, b) => TagPredicate::And(Box::new(a), Box::new(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> TagRegex {
        TagRegex::new(p).expect("valid regex")
    }

    #[test]
    fn missing_tags_behave_as_empty_values() {
        let tags = [("host", "a")];
        assert!(TagPredicate::Eq("region".into(), String::new()).matches(&tags));
        assert!(!TagPredicate::Ne("region".into(), String::new()).matches(&tags));
        assert!(TagPredicate::Ne("region".into(), "us".into()).matches(&tags));
        assert!(TagPredicate::Regex("region".into(), re("^$")).matches(&tags));
        assert!(!TagPredicate::Regex("region".into(), re("u")).matches(&tags));
        assert!(TagPredicate::NotRegex("region".into(), re("u")).matches(&tags));
    }

    #[test]
    fn regexes_are_unanchored_and_grafana_alternations_work() {
        let tags = [("host", "b/c")];
        assert!(TagPredicate::Regex("host".into(), re("/")).matches(&tags));
        assert!(TagPredicate::Regex("host".into(), re("^(a|b/c)$")).matches(&tags));
        assert!(!TagPredicate::Regex("host".into(), re("^(a|b)$")).matches(&tags));
    }

    #[test]
    fn invalid_regex_is_an_error_naming_the_pattern() {
        let e = TagRegex::new("(").expect_err("unbalanced");
        assert!(e.contains("\"(\""), "{e}");
    }
}
