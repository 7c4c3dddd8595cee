use std::path::PathBuf;

/// Everything that can go wrong in the series catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("series catalog i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("series catalog file {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("series catalog file {path} has unsupported format version {version}")]
    UnsupportedVersion { path: PathBuf, version: u32 },
    #[error("series catalog is full: at most {0} series per database")]
    Full(u64),
    /// A key longer than [`super::MAX_KEY_LEN`] was offered (InfluxDB rejects such keys too).
    #[error("series key of {len} bytes is longer than the limit of {max} bytes")]
    KeyTooLong { len: usize, max: usize },
}
