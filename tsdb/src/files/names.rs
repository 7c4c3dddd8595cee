use std::path::{Path, PathBuf};

/// The database/RP/shard-group catalog (`docs/format/meta.md`).
pub const META_FILE: &str = "meta.tdb";
/// Late-write watch state (`docs/format/watches.md`).
pub const WATCHES_FILE: &str = "watches.tdb";
/// Directory of WAL segments (`docs/format/wal.md`).
pub const WAL_DIR: &str = "wal";
/// Directory holding one sub-directory per database.
pub const DATA_DIR: &str = "data";
/// Series catalog directory inside a database directory (`docs/format/series-catalog.md`).
pub const SERIES_DIR: &str = "_series";
/// Shard manifest inside a shard directory (`docs/format/shard-manifest.md`).
/// The series index directory of a database (`docs/format/series-index.md`).
pub const INDEX_DIR: &str = "_index";
pub const SHARD_MANIFEST: &str = "MANIFEST";
/// Extension of column segment files (`docs/format/segment.md`).
pub const SEGMENT_EXT: &str = "tseg";

/// Encodes a database or retention-policy name as one safe path component: ASCII letters, digits,
/// `_` and `-` are kept, every other byte becomes `%XX`; a name starting with `.` is escaped too.
pub fn path_component(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, b) in name.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('%');
    }
    out
}

pub fn database_dir(data_root: &Path, db: &str) -> PathBuf {
    data_root.join(DATA_DIR).join(path_component(db))
}

pub fn series_dir(data_root: &Path, db: &str) -> PathBuf {
    database_dir(data_root, db).join(SERIES_DIR)
}

pub fn index_dir(data_root: &Path, db: &str) -> PathBuf {
    database_dir(data_root, db).join(INDEX_DIR)
}

pub fn shard_dir(data_root: &Path, db: &str, rp: &str, shard_id: u64) -> PathBuf {
    database_dir(data_root, db)
        .join(path_component(rp))
        .join(shard_id.to_string())
}

/// Segment file name: ordering sequence and generation (0 = flushed, >0 = compacted).
pub fn segment_file_name(seq: u64, generation: u32) -> String {
    format!("{seq:016}-{generation:04}.{SEGMENT_EXT}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_component_is_safe() {
        assert_eq!(path_component("telegraf"), "telegraf");
        assert_eq!(path_component("a/b"), "a%2Fb");
        assert_eq!(path_component(".."), "%2E.");
        assert_eq!(path_component(""), "%");
        assert_eq!(path_component("my db"), "my%20db");
    }
}
