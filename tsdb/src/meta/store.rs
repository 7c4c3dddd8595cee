use std::path::{Path, PathBuf};

use parking_lot::RwLock;

use super::model::MetaData;
use crate::files::{FramedError, decode_framed, encode_framed, write_atomic};

const MAGIC: &[u8; 8] = b"TAILMETA";
const VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("meta file i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("meta file is damaged: {0}")]
    Framed(#[from] FramedError),
    #[error("meta file {path} has an invalid body: {reason}")]
    Body { path: PathBuf, reason: String },
}

/// The metadata catalog with its file; readers clone snapshots, writers persist before publishing.
pub struct MetaStore {
    path: PathBuf,
    data: RwLock<MetaData>,
}

impl MetaStore {
    /// Opens `path`, or starts empty when it does not exist.
    pub fn open(path: &Path) -> Result<MetaStore, MetaError> {
        let data = match std::fs::read(path) {
            Ok(bytes) => {
                let (_, body) = decode_framed(path, &bytes, MAGIC, VERSION)?;
                serde_json::from_slice(body).map_err(|e| MetaError::Body {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => MetaData::default(),
            Err(e) => {
                return Err(MetaError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        };
        Ok(MetaStore {
            path: path.to_path_buf(),
            data: RwLock::new(data),
        })
    }

    /// Runs `f` with read access.
    pub fn read<R>(&self, f: impl FnOnce(&MetaData) -> R) -> R {
        f(&self.data.read())
    }

    /// Applies `f` to a copy; if it returns `Ok(true)` the copy is persisted and published.
    pub fn update<R, E: From<MetaError>>(
        &self,
        f: impl FnOnce(&mut MetaData) -> Result<(R, bool), E>,
    ) -> Result<R, E> {
        let mut guard = self.data.write();
        let mut copy = guard.clone();
        let (r, changed) = f(&mut copy)?;
        if changed {
            let body = serde_json::to_vec(&copy).map_err(|e| MetaError::Body {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
            write_atomic(&self.path, &encode_framed(MAGIC, VERSION, &body)).map_err(|e| {
                MetaError::Io {
                    path: self.path.clone(),
                    source: e,
                }
            })?;
            *guard = copy;
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::DatabaseMeta;

    #[test]
    fn persists_and_rejects_damage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("meta.tdb");
        let s = MetaStore::open(&p).unwrap();
        s.update::<_, MetaError>(|m| {
            m.databases.push(DatabaseMeta {
                name: "db".into(),
                default_rp: "autogen".into(),
                retention_policies: vec![],
                continuous_queries: vec![],
            });
            Ok(((), true))
        })
        .unwrap();
        let s2 = MetaStore::open(&p).unwrap();
        assert_eq!(s2.read(|m| m.databases.len()), 1);
        let mut bytes = std::fs::read(&p).unwrap();
        let n = bytes.len();
        bytes[n - 2] ^= 0x20;
        std::fs::write(&p, &bytes).unwrap();
        let err = MetaStore::open(&p).err().unwrap().to_string();
        assert!(err.contains("checksum"), "{err}");
    }
}
