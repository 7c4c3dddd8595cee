//! On-disk constants of the series catalog and small bounds-checked readers.
//!
//! Byte layouts: `docs/format/series-catalog.md`. All integers are little-endian.

use std::path::Path;

/// Format version written by this code for every catalog file. A reader accepts exactly this
/// version; anything else is [`super::CatalogError::UnsupportedVersion`].
pub const VERSION: u32 = 1;

pub const LOG_MAGIC: &[u8; 8] = b"taildbCL";
pub const FST_MAGIC: &[u8; 8] = b"taildbCF";
pub const IDS_MAGIC: &[u8; 8] = b"taildbCI";
pub const MANIFEST_MAGIC: &[u8; 8] = b"taildbCM";

/// The manifest's file name; it is replaced atomically through [`MANIFEST_TMP`].
pub const MANIFEST: &str = "MANIFEST";
pub const MANIFEST_TMP: &str = "MANIFEST.tmp";
/// Suffix of a file being built; such files are deleted at open.
pub const TMP_SUFFIX: &str = ".tmp";

/// Longest series key accepted (InfluxDB's limit on a series key is 65535 bytes).
pub const MAX_KEY_LEN: usize = 65_535;

/// Size of the log file header: magic, version, base id, generation, header CRC.
pub const LOG_HEADER_LEN: usize = 8 + 4 + 4 + 8 + 4;
/// Size of a log frame header: key length, CRC.
pub const FRAME_HEADER_LEN: usize = 8;
/// Size of the fst segment and id table headers: magic, version, reserved.
pub const FILE_HEADER_LEN: usize = 16;
/// Size of the fst segment and id table footers: a length, the key count, the CRC.
pub const FILE_FOOTER_LEN: usize = 8 + 8 + 4;

pub fn log_name(generation: u64) -> String {
    format!("log-{generation:016x}.log")
}

pub fn fst_name(generation: u64) -> String {
    format!("seg-{generation:016x}.fst")
}

pub fn ids_name(generation: u64) -> String {
    format!("seg-{generation:016x}.ids")
}

/// The generation in a catalog file name (`log-…`/`seg-…`), if it is one.
pub fn parse_generation(name: &str) -> Option<u64> {
    let stem = name
        .strip_suffix(".log")
        .and_then(|s| s.strip_prefix("log-"))
        .or_else(|| {
            name.strip_suffix(".fst")
                .and_then(|s| s.strip_prefix("seg-"))
        })
        .or_else(|| {
            name.strip_suffix(".ids")
                .and_then(|s| s.strip_prefix("seg-"))
        })?;
    if stem.len() != 16 {
        return None;
    }
    u64::from_str_radix(stem, 16).ok()
}

pub fn u32_at(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

pub fn u64_at(buf: &[u8], off: usize) -> Option<u64> {
    let b = buf.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// CRC32 (IEEE, crc32fast) of `parts` concatenated.
pub fn crc(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

pub fn io_err(path: &Path, source: std::io::Error) -> super::CatalogError {
    super::CatalogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn corrupt(path: &Path, reason: impl Into<String>) -> super::CatalogError {
    super::CatalogError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Fsyncs a directory so renames and creations inside it are durable.
pub fn sync_dir(dir: &Path) -> Result<(), super::CatalogError> {
    let f = std::fs::File::open(dir).map_err(|e| io_err(dir, e))?;
    f.sync_all().map_err(|e| io_err(dir, e))
}
