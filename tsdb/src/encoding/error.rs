/// Why a codec rejected its input. `what` names the stream being decoded ("timestamps",
/// "string dictionary", ...), so a message points at the broken part of a chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{what}: need {need} bytes at offset {offset}, only {have} left")]
    Truncated {
        what: &'static str,
        offset: usize,
        need: usize,
        have: usize,
    },
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    #[error("{what}: expected {expected} values, decoded {got}")]
    Count {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{what}: more than the expected {expected} values")]
    TooMany { what: &'static str, expected: usize },
    #[error("{what}: pco rejected the stream: {reason}")]
    Pco { what: &'static str, reason: String },
    #[error("{what}: lz4 rejected the block: {reason}")]
    Lz4 { what: &'static str, reason: String },
}

impl DecodeError {
    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Invalid {
            what,
            reason: reason.into(),
        }
    }
}

/// A codec could not encode its input (only pco can fail, on an invalid configuration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{codec} failed to encode: {reason}")]
pub struct EncodeError {
    pub codec: &'static str,
    pub reason: String,
}
