//! Per-statement errors, worded as InfluxDB words them where it has an equivalent.

use tsdb::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("database name required")]
    DatabaseNameRequired,
    #[error("database not found: {0}")]
    DatabaseNotFound(String),
    /// A valid statement or clause that taildb does not implement yet.
    #[error("{0} is not supported yet")]
    Unsupported(String),
    /// InfluxDB's own error for an invalid query (`undefined function bogus()`, …).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}
