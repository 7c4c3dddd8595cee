//! The manifest: which segment files are live. A `crate::files` framed file (magic, version,
//! length, CRC over the body), replaced atomically with `crate::files::write_atomic`.
//!
//! Body (little-endian): `next_seq u64 | count u32 | seq u64 × count`, segment sequence numbers
//! strictly increasing (oldest first) and all below `next_seq`.

use std::path::Path;

use super::error::{IndexError, corrupt, io_err};
use crate::files::{FramedError, decode_framed, encode_framed, write_atomic};

pub(crate) const MANIFEST: &str = "MANIFEST";
pub(crate) const MANIFEST_MAGIC: &[u8; 8] = b"taildbIM";
pub(crate) const MANIFEST_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// Sequence number the next segment gets.
    pub(crate) next_seq: u64,
    /// Live segments, oldest first.
    pub(crate) segments: Vec<u64>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            next_seq: 1,
            segments: Vec::new(),
        }
    }
}

impl Manifest {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(12 + 8 * self.segments.len());
        body.extend_from_slice(&self.next_seq.to_le_bytes());
        body.extend_from_slice(&(self.segments.len() as u32).to_le_bytes());
        for s in &self.segments {
            body.extend_from_slice(&s.to_le_bytes());
        }
        encode_framed(MANIFEST_MAGIC, MANIFEST_VERSION, &body)
    }

    pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<Manifest, IndexError> {
        let (_, body) = decode_framed(path, bytes, MANIFEST_MAGIC, MANIFEST_VERSION)
            .map_err(|e| framed_err(path, e))?;
        let u64_at = |at: usize| -> Option<u64> {
            let s = body.get(at..at + 8)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            Some(u64::from_le_bytes(a))
        };
        let next_seq = u64_at(0).ok_or_else(|| corrupt(path, "manifest body too short"))?;
        let count = body
            .get(8..12)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
            .ok_or_else(|| corrupt(path, "manifest body too short"))?;
        if body.len() as u64 != 12 + 8 * count as u64 {
            return Err(corrupt(
                path,
                format!(
                    "manifest lists {count} segments but its body is {} bytes",
                    body.len()
                ),
            ));
        }
        let segments: Vec<u64> = (0..count).filter_map(|i| u64_at(12 + 8 * i)).collect();
        let mut prev = 0;
        for &s in &segments {
            if s <= prev || s >= next_seq {
                return Err(corrupt(
                    path,
                    format!("segment {s} out of order (after {prev}, next is {next_seq})"),
                ));
            }
            prev = s;
        }
        Ok(Manifest { next_seq, segments })
    }

    /// Reads `dir/MANIFEST`; a missing file is an empty index.
    pub(crate) fn load(dir: &Path) -> Result<Manifest, IndexError> {
        let path = dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(bytes) => Manifest::decode(&path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(io_err(&path, e)),
        }
    }

    pub(crate) fn store(&self, dir: &Path) -> Result<(), IndexError> {
        let path = dir.join(MANIFEST);
        write_atomic(&path, &self.encode()).map_err(|e| io_err(&path, e))
    }
}

fn framed_err(path: &Path, e: FramedError) -> IndexError {
    corrupt(path, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trip(mut segs in prop::collection::btree_set(1u64..1000, 0..8)) {
            let segments: Vec<u64> = std::mem::take(&mut segs).into_iter().collect();
            let m = Manifest { next_seq: 1000, segments };
            let p = Path::new("MANIFEST");
            prop_assert_eq!(Manifest::decode(p, &m.encode()).expect("decodes"), m);
        }
    }

    #[test]
    fn truncation_flips_and_bad_order_are_rejected() {
        let p = Path::new("MANIFEST");
        let m = Manifest {
            next_seq: 9,
            segments: vec![3, 5],
        };
        let bytes = m.encode();
        for cut in 0..bytes.len() {
            assert!(Manifest::decode(p, &bytes[..cut]).is_err(), "cut {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(Manifest::decode(p, &b).is_err(), "flip {i}");
        }
        let bad = Manifest {
            next_seq: 4,
            segments: vec![3, 5],
        };
        let e = Manifest::decode(p, &bad.encode()).expect_err("seq beyond next");
        assert!(e.to_string().contains("MANIFEST"), "{e}");
    }
}
