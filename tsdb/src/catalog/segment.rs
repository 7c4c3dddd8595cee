//! An immutable catalog segment: an `fst::Map` file (key → id) and an id table file (id → key),
//! both memory-mapped through [`Mapped`] and fully CRC-checked at open.
//!
//! Both files are `header (16) | body | footer (20)`; the footer CRC covers every byte before it.
//! fst body: the raw `fst::Map` bytes. Id table body: the concatenated key bytes, then
//! `count + 1` u64 offsets into them (offset `i` is where key `i` starts, the last one is the
//! total length).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::mmap::Mapped;

use super::CatalogError;
use super::format::{
    FILE_FOOTER_LEN, FILE_HEADER_LEN, FST_MAGIC, IDS_MAGIC, VERSION, corrupt, crc, io_err, u32_at,
    u64_at,
};
use super::tail::Tail;

/// The fst bytes inside a mapped segment file (the range is validated before construction).
#[derive(Clone)]
pub struct FstBytes {
    map: Mapped,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for FstBytes {
    fn as_ref(&self) -> &[u8] {
        self.map.get(self.start..self.end).unwrap_or(&[])
    }
}

/// A validated, mapped segment: ids `0..count`.
pub struct Segment {
    pub count: u32,
    fst: fst::Map<FstBytes>,
    fst_path: PathBuf,
    ids: Mapped,
    ids_path: PathBuf,
    /// Byte offset of the offsets array in the id table file.
    offsets_at: usize,
}

/// Checks header, footer and CRC of a segment or id table file; returns (body range, footer len field, count).
fn check_file(path: &Path, b: &[u8], magic: &[u8; 8]) -> Result<(usize, u64, u64), CatalogError> {
    let min = FILE_HEADER_LEN + FILE_FOOTER_LEN;
    if b.len() < min {
        return Err(corrupt(
            path,
            format!("file is {} bytes, shorter than the minimum {min}", b.len()),
        ));
    }
    if b.get(..8) != Some(&magic[..]) {
        return Err(corrupt(path, "bad magic"));
    }
    let crc_at = b.len() - 4;
    let stored = u32_at(b, crc_at).unwrap_or(0);
    let computed = crc(&[b.get(..crc_at).unwrap_or(&[])]);
    if stored != computed {
        return Err(corrupt(
            path,
            format!("CRC mismatch: stored {stored:#010x}, computed {computed:#010x}"),
        ));
    }
    let version = u32_at(b, 8).unwrap_or(0);
    if version != VERSION {
        return Err(CatalogError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
        });
    }
    let footer = b.len() - FILE_FOOTER_LEN;
    let len_field = u64_at(b, footer).unwrap_or(0);
    let count = u64_at(b, footer + 8).unwrap_or(0);
    Ok((footer, len_field, count))
}

impl Segment {
    /// Maps and validates both files of segment `generation`, which must hold `count` keys.
    pub fn open(fst_path: PathBuf, ids_path: PathBuf, count: u32) -> Result<Segment, CatalogError> {
        let fmap = Mapped::open(&fst_path).map_err(|e| io_err(&fst_path, e))?;
        let (footer, fst_len, fcount) = check_file(&fst_path, &fmap, FST_MAGIC)?;
        if fst_len != (footer - FILE_HEADER_LEN) as u64 {
            return Err(corrupt(
                &fst_path,
                format!(
                    "fst length {fst_len} does not match the file ({} bytes)",
                    footer - FILE_HEADER_LEN
                ),
            ));
        }
        if fcount != u64::from(count) {
            return Err(corrupt(
                &fst_path,
                format!("holds {fcount} keys, the manifest says {count}"),
            ));
        }
        // The CRC checks read every page; lookups fault back in only what they touch.
        fmap.release_pages();
        let bytes = FstBytes {
            map: fmap,
            start: FILE_HEADER_LEN,
            end: footer,
        };
        let fst =
            fst::Map::new(bytes).map_err(|e| corrupt(&fst_path, format!("invalid fst: {e}")))?;
        if fst.len() as u64 != fcount {
            return Err(corrupt(
                &fst_path,
                format!("fst holds {} keys, footer says {fcount}", fst.len()),
            ));
        }

        let ids = Mapped::open(&ids_path).map_err(|e| io_err(&ids_path, e))?;
        let (footer, keys_len, icount) = check_file(&ids_path, &ids, IDS_MAGIC)?;
        if icount != u64::from(count) {
            return Err(corrupt(
                &ids_path,
                format!("holds {icount} keys, the manifest says {count}"),
            ));
        }
        let offsets_len = (icount + 1) * 8;
        let expect = (FILE_HEADER_LEN as u64)
            .checked_add(keys_len)
            .and_then(|v| v.checked_add(offsets_len));
        if expect != Some(footer as u64) {
            return Err(corrupt(
                &ids_path,
                format!("{keys_len} key bytes and {icount} offsets do not fill the file"),
            ));
        }
        let offsets_at = FILE_HEADER_LEN + keys_len as usize;
        if u64_at(&ids, offsets_at) != Some(0)
            || u64_at(&ids, offsets_at + 8 * count as usize) != Some(keys_len)
        {
            return Err(corrupt(&ids_path, "first or last key offset is wrong"));
        }
        ids.release_pages();
        Ok(Segment {
            count,
            fst,
            fst_path,
            ids,
            ids_path,
            offsets_at,
        })
    }

    /// The id of `key`, if it is in this segment.
    pub fn get(&self, key: &str) -> Result<Option<u32>, CatalogError> {
        match self.fst.get(key) {
            None => Ok(None),
            Some(v) if v < u64::from(self.count) => Ok(Some(v as u32)),
            Some(v) => Err(corrupt(
                &self.fst_path,
                format!("key {key:?} maps to id {v}, beyond the {} keys", self.count),
            )),
        }
    }

    /// The key of `id`, if `id < count`.
    pub fn key(&self, id: u32) -> Result<Option<&str>, CatalogError> {
        if id >= self.count {
            return Ok(None);
        }
        self.key_bytes(id).map(Some)
    }

    fn key_bytes(&self, id: u32) -> Result<&str, CatalogError> {
        let at = self.offsets_at + 8 * id as usize;
        let (Some(s), Some(e)) = (u64_at(&self.ids, at), u64_at(&self.ids, at + 8)) else {
            return Err(corrupt(
                &self.ids_path,
                format!("offset of id {id} out of range"),
            ));
        };
        let base = FILE_HEADER_LEN as u64;
        let bytes = (s <= e && e + base <= self.offsets_at as u64)
            .then(|| self.ids.get((base + s) as usize..(base + e) as usize))
            .flatten()
            .ok_or_else(|| {
                corrupt(
                    &self.ids_path,
                    format!("offsets {s}..{e} of id {id} are invalid"),
                )
            })?;
        std::str::from_utf8(bytes).map_err(|err| {
            corrupt(
                &self.ids_path,
                format!("key of id {id} is not UTF-8: {err}"),
            )
        })
    }

    /// Calls `f` for every key in id order.
    pub fn for_each(&self, f: &mut dyn FnMut(u32, &str)) -> Result<(), CatalogError> {
        for id in 0..self.count {
            f(id, self.key_bytes(id)?);
        }
        Ok(())
    }

    /// The raw key bytes region and the offsets array (for copying into a merged table).
    fn key_region(&self) -> &[u8] {
        self.ids
            .get(FILE_HEADER_LEN..self.offsets_at)
            .unwrap_or(&[])
    }

    pub fn fst(&self) -> &fst::Map<FstBytes> {
        &self.fst
    }
}

/// A writer that CRCs and counts everything written through it.
struct CrcWriter<W: Write> {
    inner: W,
    hasher: crc32fast::Hasher,
    written: u64,
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or(&[]));
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> CrcWriter<W> {
    fn new(inner: W) -> Self {
        CrcWriter {
            inner,
            hasher: crc32fast::Hasher::new(),
            written: 0,
        }
    }

    /// Writes the footer (length field, count, CRC) and returns the inner writer.
    fn finish(mut self, len_field: u64, count: u64) -> std::io::Result<W> {
        self.write_all(&len_field.to_le_bytes())?;
        self.write_all(&count.to_le_bytes())?;
        let c = self.hasher.clone().finalize();
        self.inner.write_all(&c.to_le_bytes())?;
        Ok(self.inner)
    }
}

fn header(magic: &[u8; 8]) -> [u8; FILE_HEADER_LEN] {
    let mut h = [0u8; FILE_HEADER_LEN];
    h[..8].copy_from_slice(magic);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h
}

fn seal(path: &Path, f: File) -> Result<(), CatalogError> {
    f.sync_all().map_err(|e| io_err(path, e))
}

/// Writes a new segment from `old` (may be `None`) plus `new_keys` (ids `old.count..`, in id order)
/// to `fst_path` and `ids_path`, fsynced. The caller renames them into place.
///
/// `sorted` must list the indexes into `new_keys` in lexicographic key order (fst requires keys in
/// order); the old segment's keys are streamed from its fst and merged in.
pub fn build(
    old: Option<&Segment>,
    new: &Tail,
    sorted: &[u32],
    fst_path: &Path,
    ids_path: &Path,
) -> Result<u32, CatalogError> {
    let base = old.map_or(0, |s| s.count);
    if new.base() != base {
        return Err(corrupt(
            fst_path,
            format!(
                "merge of keys from id {} onto a segment of {base} keys",
                new.base()
            ),
        ));
    }
    let new_len = new.len();
    let new_keys = |i: usize| new.key_at(i);
    let total = u64::from(base) + new_len as u64;
    let total32 = u32::try_from(total).map_err(|_| CatalogError::Full(u64::from(u32::MAX)))?;

    // fst: sorted merge of the old fst stream and the sorted new keys.
    let fst_err = |e: fst::Error| io_err(fst_path, std::io::Error::other(e));
    let file = File::create(fst_path).map_err(|e| io_err(fst_path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, CrcWriter::new(file));
    w.write_all(&header(FST_MAGIC))
        .map_err(|e| io_err(fst_path, e))?;
    let mut builder = fst::MapBuilder::new(w).map_err(fst_err)?;
    {
        use fst::Streamer;
        let mut old_stream = old.map(|s| s.fst().stream());
        // The current old key, copied into a reused buffer (the stream's borrow ends at `next`).
        let mut old_key = Vec::new();
        let mut advance = |key: &mut Vec<u8>| -> Option<u64> {
            let (k, v) = old_stream.as_mut()?.next()?;
            key.clear();
            key.extend_from_slice(k);
            Some(v)
        };
        let mut next_old = advance(&mut old_key);
        let mut new_iter = sorted
            .iter()
            .map(|&i| (new_keys(i as usize), u64::from(base) + u64::from(i)))
            .peekable();
        loop {
            let take_old = match (&next_old, new_iter.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(_), Some((nk, _))) => old_key.as_slice() < nk.as_bytes(),
            };
            if take_old {
                if let Some(v) = next_old {
                    builder.insert(&old_key, v).map_err(fst_err)?;
                }
                next_old = advance(&mut old_key);
            } else if let Some((k, v)) = new_iter.next() {
                builder.insert(k, v).map_err(fst_err)?;
            }
        }
    }
    let w = builder.into_inner().map_err(fst_err)?;
    let w = w
        .into_inner()
        .map_err(|e| io_err(fst_path, e.into_error()))?;
    let fst_len = w.written - FILE_HEADER_LEN as u64;
    let inner = w.finish(fst_len, total).map_err(|e| io_err(fst_path, e))?;
    seal(fst_path, inner)?;

    // id table: old key bytes, new key bytes, then all offsets.
    let file = File::create(ids_path).map_err(|e| io_err(ids_path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, CrcWriter::new(file));
    let io = |e| io_err(ids_path, e);
    w.write_all(&header(IDS_MAGIC)).map_err(io)?;
    let old_region = old.map_or(&[][..], |s| s.key_region());
    w.write_all(old_region).map_err(io)?;
    let mut new_bytes = 0u64;
    for i in 0..new_len {
        let k = new_keys(i).as_bytes();
        new_bytes += k.len() as u64;
        w.write_all(k).map_err(io)?;
    }
    let keys_len = old_region.len() as u64 + new_bytes;
    if let Some(s) = old {
        let offs = s
            .ids
            .get(s.offsets_at..s.offsets_at + 8 * s.count as usize)
            .unwrap_or(&[]);
        w.write_all(offs).map_err(io)?;
    }
    let mut at = old_region.len() as u64;
    w.write_all(&at.to_le_bytes()).map_err(io)?;
    for i in 0..new_len {
        at += new_keys(i).len() as u64;
        w.write_all(&at.to_le_bytes()).map_err(io)?;
    }
    let w = w
        .into_inner()
        .map_err(|e| io_err(ids_path, e.into_error()))?;
    let inner = w.finish(keys_len, total).map_err(io)?;
    seal(ids_path, inner)?;
    Ok(total32)
}
