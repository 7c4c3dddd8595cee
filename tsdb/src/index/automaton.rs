//! A regex over tag values run as an [`fst::Automaton`] over index terms.
//!
//! Invariants:
//! 1. A term is accepted iff it starts with the given prefix and the regex matches *anywhere* in
//!    the rest of the term (the tag value): unanchored search, `^`/`$` anchored at the value's
//!    start and end, exactly as [`super::TagRegex::is_match`] on the value.
//! 2. Without a DFA the automaton accepts every term with the prefix (a prefix scan).
//!
//! How the DFA is driven: `regex-automata` dense DFAs report matches one byte late (a state
//! reached after byte `i` is a match state when a match ended before byte `i`), and a match that
//! ends at the end of the value is only seen after the special end-of-input transition. So every
//! transition checks for a match state (after which the term is accepted whatever follows:
//! `will_always_match`), and `is_match` at the end of a term takes the EOI transition first. The
//! start state is the unanchored one with "start of text" look-behind, so `^` means the start of the
//! value, not of the term.
//!
//! Size limit: a pattern whose DFA (or its determinization) needs more than [`DFA_SIZE_LIMIT`]
//! bytes, or that uses a feature dense DFAs do not support (Unicode word boundaries `\b`), gets no
//! DFA; the index then scans the values under the prefix and filters with `is_match`.

use regex_automata::Anchored;
use regex_automata::dfa::dense::{self, DFA};
use regex_automata::dfa::{Automaton as _, StartKind};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;

/// Upper bound, in bytes, of a tag-regex DFA and of the memory used to determinize it.
pub const DFA_SIZE_LIMIT: usize = 8 << 20;

/// Builds the unanchored DFA of `pattern`, or `None` (size limit, unsupported feature).
pub(crate) fn build_dfa(pattern: &str) -> Option<DFA<Vec<u32>>> {
    let built = dense::Builder::new()
        .configure(
            dense::Config::new()
                .start_kind(StartKind::Unanchored)
                .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
        )
        .build(pattern);
    match built {
        Ok(dfa) => Some(dfa),
        Err(e) => {
            tracing::debug!(pattern, error = %e, "tag regex runs as a filter, not as a DFA");
            None
        }
    }
}

/// Accepts the terms `prefix ++ value` whose value the DFA matches (every such term without a DFA).
pub(crate) struct TermAutomaton<'a> {
    prefix: &'a [u8],
    dfa: Option<(&'a DFA<Vec<u32>>, StateID)>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum TermState {
    /// `n` bytes of the prefix seen.
    Prefix(usize),
    /// In the value, DFA state.
    Value(StateID),
    /// A match was seen: every extension is accepted.
    Matched,
    /// No extension can be accepted.
    Dead,
}

impl<'a> TermAutomaton<'a> {
    /// `dfa` is `None` for a plain prefix scan. Returns `None` if the DFA has no usable start state
    /// (callers then fall back to a prefix scan plus `is_match`).
    pub(crate) fn new(prefix: &'a [u8], dfa: Option<&'a DFA<Vec<u32>>>) -> Option<Self> {
        let dfa = match dfa {
            None => None,
            Some(d) => {
                let cfg = start::Config::new()
                    .anchored(Anchored::No)
                    .look_behind(None);
                Some((d, d.start_state(&cfg).ok()?))
            }
        };
        Some(TermAutomaton { prefix, dfa })
    }

    fn after_prefix(&self) -> TermState {
        match self.dfa {
            None => TermState::Matched,
            Some((_, start)) => TermState::Value(start),
        }
    }

    /// Runs the automaton over a whole term (used for in-memory layers and tests).
    pub(crate) fn accepts(&self, term: &[u8]) -> bool {
        use fst::Automaton;
        let mut s = self.start();
        for &b in term {
            s = self.accept(&s, b);
            if !self.can_match(&s) {
                return false;
            }
        }
        self.is_match(&s)
    }
}

impl fst::Automaton for TermAutomaton<'_> {
    type State = TermState;

    fn start(&self) -> TermState {
        if self.prefix.is_empty() {
            self.after_prefix()
        } else {
            TermState::Prefix(0)
        }
    }

    fn is_match(&self, state: &TermState) -> bool {
        match (*state, self.dfa) {
            (TermState::Matched, _) => true,
            (TermState::Value(id), Some((dfa, _))) => dfa.is_match_state(dfa.next_eoi_state(id)),
            _ => false,
        }
    }

    fn can_match(&self, state: &TermState) -> bool {
        !matches!(state, TermState::Dead)
    }

    fn will_always_match(&self, state: &TermState) -> bool {
        matches!(state, TermState::Matched)
    }

    fn accept(&self, state: &TermState, byte: u8) -> TermState {
        match (*state, self.dfa) {
            (TermState::Prefix(n), _) => {
                if self.prefix.get(n) != Some(&byte) {
                    TermState::Dead
                } else if n + 1 == self.prefix.len() {
                    self.after_prefix()
                } else {
                    TermState::Prefix(n + 1)
                }
            }
            (TermState::Value(id), Some((dfa, _))) => {
                let next = dfa.next_state(id, byte);
                if dfa.is_match_state(next) {
                    TermState::Matched
                } else if dfa.is_dead_state(next) || dfa.is_quit_state(next) {
                    // No quit bytes are configured, so a quit state cannot occur.
                    TermState::Dead
                } else {
                    TermState::Value(next)
                }
            }
            (TermState::Value(_), None) | (TermState::Dead, _) => TermState::Dead,
            (TermState::Matched, _) => TermState::Matched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn agrees(pattern: &str, value: &str) {
        let re = regex::Regex::new(pattern).expect("valid");
        let dfa = build_dfa(pattern).expect("dfa");
        let aut = TermAutomaton::new(b"V\xffk\xff", Some(&dfa)).expect("start");
        let mut term = b"V\xffk\xff".to_vec();
        term.extend_from_slice(value.as_bytes());
        assert_eq!(
            aut.accepts(&term),
            re.is_match(value),
            "pattern {pattern:?} value {value:?}"
        );
        // A different prefix is never accepted.
        let mut other = b"V\xffj\xff".to_vec();
        other.extend_from_slice(value.as_bytes());
        assert!(!aut.accepts(&other));
    }

    #[test]
    fn anchors_case_and_alternations() {
        for (p, vs) in [
            ("^(a|b/c)$", &["a", "b/c", "ab", "b/cd", "xb/c", ""][..]),
            ("(?i)HoSt", &["host1", "HOST", "hst", "myhOsT"][..]),
            ("^$", &["", "a"][..]),
            ("", &["", "abc"][..]),
            ("c$", &["abc", "abcd", "c"][..]),
            ("^ab", &["abc", "cab"][..]),
            ("(?m)^x", &["a\nx", "ax"][..]),
            ("é.", &["café!", "cafe!", "é"][..]),
        ] {
            for v in vs {
                agrees(p, v);
            }
        }
    }

    #[test]
    fn without_dfa_it_is_a_prefix_scan() {
        let aut = TermAutomaton::new(b"K", None).expect("start");
        assert!(aut.accepts(b"K"));
        assert!(aut.accepts(b"Kabc"));
        assert!(!aut.accepts(b"Mabc"));
        assert!(!aut.accepts(b""));
    }

    #[test]
    fn unicode_word_boundary_has_no_dfa() {
        assert!(build_dfa(r"\bfoo\b").is_none());
        assert!(build_dfa(r"(?-u:\b)foo").is_some());
    }

    proptest! {
        #[test]
        fn dfa_agrees_with_regex(
            pattern in prop::sample::select(vec![
                "a", "^a", "a$", "^a$", "ab|c", "^(a|bc)$", "[ab]+c", "(?i)A", "^$", ".", "a.*b",
                "x?", "^[^a]", "b{2}", "(?-u:\\b)a",
            ]),
            value in "[abcAx\n]{0,6}",
        ) {
            agrees(pattern, &value);
        }
    }
}
