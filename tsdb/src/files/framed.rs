//! A small framed file: header + body + CRC, for whole-file-replaced metadata (meta, manifests).
//!
//! ```text
//! +----------+-------------+-------------+-------------+------------------+
//! | magic 8B | version u32 | body_len u64| crc32 u32   | body (body_len B)|
//! +----------+-------------+-------------+-------------+------------------+
//! ```
//! Little-endian. The CRC32 (IEEE, crc32fast) covers the body only.

use std::path::{Path, PathBuf};

pub const FRAMED_HEADER_LEN: usize = 8 + 4 + 8 + 4;

#[derive(Debug, thiserror::Error)]
pub enum FramedError {
    #[error("{path}: file too short ({len} bytes) to hold a header")]
    Short { path: PathBuf, len: usize },
    #[error("{path}: bad magic (not a {expected} file)")]
    Magic { path: PathBuf, expected: String },
    #[error("{path}: format version {version} is newer than this taildb supports ({supported})")]
    Version {
        path: PathBuf,
        version: u32,
        supported: u32,
    },
    #[error("{path}: body length {body_len} does not match file length {file_len}")]
    Length {
        path: PathBuf,
        body_len: u64,
        file_len: usize,
    },
    #[error("{path}: checksum mismatch (stored {stored:08x}, computed {computed:08x})")]
    Checksum {
        path: PathBuf,
        stored: u32,
        computed: u32,
    },
}

pub fn encode_framed(magic: &[u8; 8], version: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAMED_HEADER_LEN + body.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Validates header, length and checksum; returns the version and the body.
pub fn decode_framed<'a>(
    path: &Path,
    bytes: &'a [u8],
    magic: &[u8; 8],
    supported_version: u32,
) -> Result<(u32, &'a [u8]), FramedError> {
    if bytes.len() < FRAMED_HEADER_LEN {
        return Err(FramedError::Short {
            path: path.to_path_buf(),
            len: bytes.len(),
        });
    }
    if &bytes[0..8] != magic {
        return Err(FramedError::Magic {
            path: path.to_path_buf(),
            expected: String::from_utf8_lossy(magic).into_owned(),
        });
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version > supported_version || version == 0 {
        return Err(FramedError::Version {
            path: path.to_path_buf(),
            version,
            supported: supported_version,
        });
    }
    let mut len8 = [0u8; 8];
    len8.copy_from_slice(&bytes[12..20]);
    let body_len = u64::from_le_bytes(len8);
    let body = &bytes[FRAMED_HEADER_LEN..];
    if body.len() as u64 != body_len {
        return Err(FramedError::Length {
            path: path.to_path_buf(),
            body_len,
            file_len: bytes.len(),
        });
    }
    let stored = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    let computed = crc32fast::hash(body);
    if stored != computed {
        return Err(FramedError::Checksum {
            path: path.to_path_buf(),
            stored,
            computed,
        });
    }
    Ok((version, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_corruption_is_detected() {
        let p = Path::new("x");
        let bytes = encode_framed(b"TESTFILE", 1, b"{\"a\":1}");
        let (v, body) = decode_framed(p, &bytes, b"TESTFILE", 1).unwrap();
        assert_eq!((v, body), (1, &b"{\"a\":1}"[..]));
        for cut in 0..bytes.len() {
            assert!(
                decode_framed(p, &bytes[..cut], b"TESTFILE", 1).is_err(),
                "cut at {cut}"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(
                    decode_framed(p, &b, b"TESTFILE", 1).is_err(),
                    "flip byte {i} bit {bit}"
                );
            }
        }
        assert!(matches!(
            decode_framed(p, &encode_framed(b"TESTFILE", 2, b""), b"TESTFILE", 1),
            Err(FramedError::Version { .. })
        ));
    }
}
