//! Parse errors: the internal nom error and the public, InfluxDB-worded [`ParseError`].

use nom::error::ErrorKind;

use crate::ast::BinaryOp;

/// A parse failure, worded like InfluxDB's (the HTTP layer prefixes `error parsing query: `).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("found {found}, expected {} at line {line}, char {char}", expected.join(", "))]
    Expected {
        found: String,
        expected: Vec<&'static str>,
        line: usize,
        char: usize,
    },
    #[error("{message} at line {line}, char {char}")]
    Message {
        message: String,
        line: usize,
        char: usize,
    },
    /// InfluxDB prints some messages without a position.
    #[error("{0}")]
    Plain(String),
}

/// What went wrong, without the position.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Expected(Vec<&'static str>),
    Message(String),
    Plain(String),
    /// `SELECT a > 1`: a condition operator in the field list.
    SelectOperator(BinaryOp),
    /// An error from a nom combinator that was not mapped to an expectation.
    Nom(ErrorKind),
}

/// The nom error type: the input remaining at the error (its start is the error position).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PErr<'a> {
    pub rest: &'a str,
    pub kind: Kind,
}

pub(crate) type PResult<'a, T> = nom::IResult<&'a str, T, PErr<'a>>;

impl<'a> nom::error::ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, kind: ErrorKind) -> Self {
        PErr {
            rest: input,
            kind: Kind::Nom(kind),
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    /// Keep the error that got further; at the same position merge the expectations.
    fn or(self, other: Self) -> Self {
        match self.rest.len().cmp(&other.rest.len()) {
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Equal => match (self.kind, other.kind) {
                (Kind::Expected(mut a), Kind::Expected(b)) => {
                    for e in b {
                        if !a.contains(&e) {
                            a.push(e);
                        }
                    }
                    PErr {
                        rest: self.rest,
                        kind: Kind::Expected(a),
                    }
                }
                (_, kind) => PErr {
                    rest: other.rest,
                    kind,
                },
            },
        }
    }
}

/// A recoverable "expected …" error at `rest`.
pub(crate) fn expected<'a, T>(rest: &'a str, what: &[&'static str]) -> PResult<'a, T> {
    Err(nom::Err::Error(PErr {
        rest,
        kind: Kind::Expected(what.to_vec()),
    }))
}

/// A committed error with a message at `rest`.
pub(crate) fn failure<'a, T>(rest: &'a str, kind: Kind) -> PResult<'a, T> {
    Err(nom::Err::Failure(PErr { rest, kind }))
}

/// Turns a recoverable error into a committed one (the rule is certain from here on).
pub(crate) fn must<'a, T>(r: PResult<'a, T>) -> PResult<'a, T> {
    r.map_err(|e| match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    })
}

impl ParseError {
    /// Builds the public error for an internal one; `input` is the whole query text.
    pub(crate) fn from_perr(input: &str, e: PErr<'_>) -> ParseError {
        // InfluxDB reports EOF one character past the end of the input, whatever whitespace precedes it.
        let at_eof = super::lexical::ws(e.rest).is_empty();
        let at = if at_eof {
            input.len()
        } else {
            input.len().saturating_sub(e.rest.len())
        };
        let prefix = input.get(..at).unwrap_or(input);
        let line = prefix.matches('\n').count() + 1;
        let line_start = prefix.rfind('\n').map_or(0, |p| p + 1);
        // (After an operator such as `=` InfluxDB's scanner reports EOF right at the end.)
        let trimmed = input.trim_end();
        let after_operator = at_eof
            && trimmed.ends_with([
                '=', '~', '<', '>', '!', '(', ')', ',', '+', '-', '*', '%', '&', '|', '^',
            ])
            && !trimmed.ends_with("--");
        // (Nor after a duration literal: 1.6.7's scanner puts back the character after a
        // duration's unit but consumes the EOF after a word: `DURATION 1h` EOF is at len + 1.)
        let last_token = trimmed
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        let in_comment = trimmed.contains("/*")
            || trimmed
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.contains("--"));
        let after_number = at_eof
            && !in_comment
            && last_token.starts_with(|c: char| c.is_ascii_digit())
            && last_token.ends_with(|c: char| c.is_alphabetic());
        let char = prefix.get(line_start..).map_or(0, |s| s.chars().count())
            + 1
            + usize::from(at_eof && !after_operator && !after_number);
        // …and a single-quoted string one character before its opening quote.
        // (1.6.7 reports an unterminated quoted identifier and an unterminated regex one character
        // before their opening character, too.)
        let at_token = super::lexical::ws(e.rest);
        let bad_regex = matches!(&e.kind, Kind::Message(m) if m.starts_with("bad regex"));
        let char = if at_token.starts_with('\'')
            || (at_token.starts_with('"') && super::lexical::is_unterminated(at_token, '"'))
            || (at_token.starts_with('/') && bad_regex)
        {
            char.saturating_sub(1)
        } else {
            char
        };
        match e.kind {
            Kind::Expected(expected) => ParseError::Expected {
                found: super::lexical::token_text(e.rest),
                expected,
                line,
                char,
            },
            Kind::Message(message) => ParseError::Message {
                message,
                line,
                char,
            },
            Kind::Plain(message) => ParseError::Plain(message),
            Kind::SelectOperator(op) => ParseError::Plain(format!(
                "invalid operator {op} in SELECT clause at line {line}, char {char}; operator is intended for WHERE clause"
            )),
            Kind::Nom(kind) => ParseError::Message {
                message: format!("syntax error ({kind:?})"),
                line,
                char,
            },
        }
    }
}
