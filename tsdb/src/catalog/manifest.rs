//! The manifest: which fst segment and which logs are live. Replaced atomically: written to
//! `MANIFEST.tmp`, fsynced, renamed over `MANIFEST`, directory fsynced.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::CatalogError;
use super::format::{
    MANIFEST, MANIFEST_MAGIC, MANIFEST_TMP, VERSION, corrupt, crc, io_err, sync_dir, u32_at, u64_at,
};

/// Fixed part: magic, version, reserved, next generation, segment generation, segment count, log count.
const FIXED_LEN: usize = 8 + 4 + 4 + 8 + 8 + 4 + 4;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// Generation the next new file gets; every live file has a smaller one.
    pub next_generation: u64,
    /// Generation of the live fst segment + id table, 0 when there is none.
    pub segment_generation: u64,
    /// Number of keys in the segment: it holds ids `0..segment_count`.
    pub segment_count: u32,
    /// Live logs in id order; the last one is the one appended to. Never empty.
    pub logs: Vec<u64>,
}

impl Manifest {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(FIXED_LEN + 8 * self.logs.len() + 4);
        b.extend_from_slice(MANIFEST_MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&self.next_generation.to_le_bytes());
        b.extend_from_slice(&self.segment_generation.to_le_bytes());
        b.extend_from_slice(&self.segment_count.to_le_bytes());
        b.extend_from_slice(&(self.logs.len() as u32).to_le_bytes());
        for g in &self.logs {
            b.extend_from_slice(&g.to_le_bytes());
        }
        let c = crc(&[&b]);
        b.extend_from_slice(&c.to_le_bytes());
        b
    }

    pub fn decode(path: &Path, b: &[u8]) -> Result<Manifest, CatalogError> {
        if b.len() < FIXED_LEN + 4 {
            return Err(corrupt(
                path,
                format!(
                    "manifest is {} bytes, shorter than the minimum {}",
                    b.len(),
                    FIXED_LEN + 4
                ),
            ));
        }
        if b.get(..8) != Some(&MANIFEST_MAGIC[..]) {
            return Err(corrupt(path, "bad manifest magic"));
        }
        let body_len = b.len() - 4;
        let stored = u32_at(b, body_len).unwrap_or(0);
        let computed = crc(&[b.get(..body_len).unwrap_or(&[])]);
        if stored != computed {
            return Err(corrupt(
                path,
                format!("manifest CRC mismatch: stored {stored:#010x}, computed {computed:#010x}"),
            ));
        }
        let version = u32_at(b, 8).unwrap_or(0);
        if version != VERSION {
            return Err(CatalogError::UnsupportedVersion {
                path: path.to_path_buf(),
                version,
            });
        }
        let next_generation = u64_at(b, 16).unwrap_or(0);
        let segment_generation = u64_at(b, 24).unwrap_or(0);
        let segment_count = u32_at(b, 32).unwrap_or(0);
        let log_count = u32_at(b, 36).unwrap_or(0) as usize;
        if FIXED_LEN + 8 * log_count + 4 != b.len() {
            return Err(corrupt(
                path,
                format!(
                    "manifest lists {log_count} logs but is {} bytes long",
                    b.len()
                ),
            ));
        }
        let logs: Vec<u64> = (0..log_count)
            .filter_map(|i| u64_at(b, FIXED_LEN + 8 * i))
            .collect();
        let m = Manifest {
            next_generation,
            segment_generation,
            segment_count,
            logs,
        };
        m.check(path)?;
        Ok(m)
    }

    fn check(&self, path: &Path) -> Result<(), CatalogError> {
        if self.logs.is_empty() {
            return Err(corrupt(path, "manifest lists no log"));
        }
        let mut prev = 0;
        for &g in &self.logs {
            if g <= prev {
                return Err(corrupt(
                    path,
                    format!("manifest log generations out of order: {g} after {prev}"),
                ));
            }
            prev = g;
        }
        let newest = prev.max(self.segment_generation);
        if newest >= self.next_generation {
            return Err(corrupt(
                path,
                format!(
                    "manifest generation {newest} is not below next {}",
                    self.next_generation
                ),
            ));
        }
        if (self.segment_generation == 0) != (self.segment_count == 0) {
            return Err(corrupt(
                path,
                "manifest segment generation and count disagree",
            ));
        }
        Ok(())
    }

    /// Reads `dir/MANIFEST`; `Ok(None)` when it does not exist.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, CatalogError> {
        let path = dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(b) => Manifest::decode(&path, &b).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path, e)),
        }
    }

    /// Atomically replaces `dir/MANIFEST` with `self`.
    pub fn write(&self, dir: &Path) -> Result<(), CatalogError> {
        let tmp = dir.join(MANIFEST_TMP);
        let mut f = File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        f.write_all(&self.encode()).map_err(|e| io_err(&tmp, e))?;
        f.sync_all().map_err(|e| io_err(&tmp, e))?;
        drop(f);
        let path = dir.join(MANIFEST);
        std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
        sync_dir(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn encode_decode_round_trip(seg in 0u64..5, extra in proptest::collection::vec(1u64..4, 1..5), count in 1u32..1000) {
            let mut logs = Vec::new();
            let mut g = seg;
            for e in extra { g += e; logs.push(g); }
            let m = Manifest { next_generation: g + 1, segment_generation: seg, segment_count: if seg == 0 { 0 } else { count }, logs };
            let p = Path::new("MANIFEST");
            prop_assert_eq!(Manifest::decode(p, &m.encode()).unwrap(), m);
        }

        #[test]
        fn bit_flips_are_errors(flip in 0usize..(FIXED_LEN + 8 + 4) * 8) {
            let m = Manifest { next_generation: 3, segment_generation: 1, segment_count: 7, logs: vec![2] };
            let mut b = m.encode();
            b[flip / 8] ^= 1 << (flip % 8);
            prop_assert!(Manifest::decode(Path::new("MANIFEST"), &b).is_err());
        }
    }
}
