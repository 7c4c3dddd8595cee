use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("series index file {path} is corrupt: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("series index i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> IndexError {
    IndexError::Corrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

pub(crate) fn io_err(path: &Path, source: std::io::Error) -> IndexError {
    IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}
