use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::{FramedError, decode_framed, encode_framed, write_atomic};

const MAGIC: &[u8; 8] = b"TAILSHRD";
/// Version 2 added `tombstones` (a version-1 reader would ignore them and resurrect deleted rows).
const VERSION: u32 = 2;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub next_seq: u64,
    pub segments: Vec<ManifestEntry>,
    /// Deletes not yet applied to every segment they cover (absent in version 1).
    #[serde(default)]
    pub tombstones: Vec<TombstoneEntry>,
}

/// A delete: rows of `measurement` (of the series in `series`, or of every series when `None`) with
/// `min <= time <= max`, in segments whose sequence is below `below_seq`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TombstoneEntry {
    pub measurement: String,
    /// A serialized `RoaringBitmap` (portable format), hex-encoded.
    pub series: Option<String>,
    pub min: i64,
    pub max: i64,
    pub below_seq: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    pub measurement: String,
    pub file: String,
    pub seq: u64,
    pub generation: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("shard manifest i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("shard manifest is damaged: {0}")]
    Framed(#[from] FramedError),
    #[error("shard manifest {path} has an invalid body: {reason}")]
    Body { path: PathBuf, reason: String },
}

impl Manifest {
    /// Reads the manifest, or an empty one when the file does not exist.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let (_, body) = decode_framed(path, &bytes, MAGIC, VERSION)?;
                serde_json::from_slice(body).map_err(|e| ManifestError::Body {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(ManifestError::Io {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }

    pub fn store(&self, path: &Path) -> Result<(), ManifestError> {
        let body = serde_json::to_vec(self).map_err(|e| ManifestError::Body {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        write_atomic(path, &encode_framed(MAGIC, VERSION, &body)).map_err(|e| ManifestError::Io {
            path: path.to_path_buf(),
            source: e,
        })
    }
}
