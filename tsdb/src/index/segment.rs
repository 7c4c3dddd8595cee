//! An index segment file: postings, an `fst::Map` term → posting offset, and the bitmap of the ids
//! the segment covers. Byte layout: `docs/format/series-index.md`.
//!
//! Invariants:
//! 1. A segment is written once under a temporary name, fsynced and renamed; never modified.
//! 2. Open checks length, magic, version, the CRC over every byte before it, that the sections
//!    fill the file exactly, the fst and the covered-ids bitmap; postings are decoded on demand and
//!    every offset read from the fst is bounds-checked against the postings area.
//! 3. No term has an empty posting; every posting's ids are in the covered set.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;

use super::error::{IndexError, corrupt, io_err};
use crate::mmap::Mapped;

pub(crate) const SEGMENT_MAGIC: &[u8; 8] = b"taildbIS";
pub(crate) const SEGMENT_VERSION: u32 = 1;
/// Magic, version, reserved.
pub(crate) const HEADER_LEN: usize = 16;
/// Postings length, fst length, covered-ids length, term count (u64 each), CRC32.
pub(crate) const FOOTER_LEN: usize = 4 * 8 + 4;
/// Extension of segment files.
pub(crate) const SEGMENT_EXT: &str = "tsi";

pub(crate) fn segment_file_name(seq: u64) -> String {
    format!("{seq:016x}.{SEGMENT_EXT}")
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// The fst bytes inside a mapped segment (range validated before construction).
#[derive(Clone)]
pub(crate) struct FstBytes {
    map: Mapped,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for FstBytes {
    fn as_ref(&self) -> &[u8] {
        self.map.get(self.start..self.end).unwrap_or(&[])
    }
}

/// A validated, mapped segment.
pub(crate) struct Segment {
    pub(crate) seq: u64,
    pub(crate) path: PathBuf,
    pub(crate) fst: fst::Map<FstBytes>,
    pub(crate) covered: RoaringBitmap,
    map: Mapped,
    /// End of the postings area (start of the fst).
    postings_end: usize,
}

impl Segment {
    pub(crate) fn open(dir: &Path, seq: u64) -> Result<Segment, IndexError> {
        let path = dir.join(segment_file_name(seq));
        let map = Mapped::open(&path).map_err(|e| io_err(&path, e))?;
        let b: &[u8] = &map;
        let min = HEADER_LEN + FOOTER_LEN;
        if b.len() < min {
            return Err(corrupt(
                &path,
                format!("file is {} bytes, shorter than the minimum {min}", b.len()),
            ));
        }
        if b.get(..8) != Some(&SEGMENT_MAGIC[..]) {
            return Err(corrupt(&path, "bad magic (not a series index segment)"));
        }
        let version = u32_at(b, 8).unwrap_or(0);
        if version != SEGMENT_VERSION {
            return Err(corrupt(
                &path,
                format!("format version {version}, this taildb reads version {SEGMENT_VERSION}"),
            ));
        }
        let crc_at = b.len() - 4;
        let stored = u32_at(b, crc_at).unwrap_or(0);
        let computed = crc32fast::hash(b.get(..crc_at).unwrap_or(&[]));
        if stored != computed {
            return Err(corrupt(
                &path,
                format!("CRC mismatch: stored {stored:#010x}, computed {computed:#010x}"),
            ));
        }
        let footer = b.len() - FOOTER_LEN;
        let field = |i: usize| u64_at(b, footer + 8 * i).unwrap_or(u64::MAX);
        let (postings_len, fst_len, ids_len, terms) = (field(0), field(1), field(2), field(3));
        let total = (HEADER_LEN as u64)
            .checked_add(postings_len)
            .and_then(|v| v.checked_add(fst_len))
            .and_then(|v| v.checked_add(ids_len));
        if total != Some(footer as u64) {
            return Err(corrupt(
                &path,
                format!(
                    "sections of {postings_len} + {fst_len} + {ids_len} bytes do not fill the \
                     {footer} bytes before the footer"
                ),
            ));
        }
        let fst_start = HEADER_LEN + postings_len as usize;
        let ids_start = fst_start + fst_len as usize;
        let bytes = FstBytes {
            map: map.clone(),
            start: fst_start,
            end: ids_start,
        };
        let fst = fst::Map::new(bytes).map_err(|e| corrupt(&path, format!("invalid fst: {e}")))?;
        if fst.len() as u64 != terms {
            return Err(corrupt(
                &path,
                format!("fst holds {} terms, the footer says {terms}", fst.len()),
            ));
        }
        let ids_bytes = b.get(ids_start..footer).unwrap_or(&[]);
        let covered = decode_bitmap(ids_bytes)
            .ok_or_else(|| corrupt(&path, "covered-ids bitmap is invalid"))?;
        // The CRC check read every page; queries fault back in only the postings they decode.
        map.release_pages();
        Ok(Segment {
            seq,
            path,
            fst,
            covered,
            map,
            postings_end: fst_start,
        })
    }

    /// Decodes the posting stored at `offset` (an fst value).
    pub(crate) fn posting(&self, offset: u64) -> Result<RoaringBitmap, IndexError> {
        let end = self.postings_end;
        let bad = |what: &str| {
            corrupt(
                &self.path,
                format!("posting at offset {offset}: {what} (postings end at {end})"),
            )
        };
        let start = usize::try_from(offset).map_err(|_| bad("offset out of range"))?;
        if start < HEADER_LEN || start.checked_add(4).is_none_or(|e| e > end) {
            return Err(bad("offset out of range"));
        }
        let len = u32_at(&self.map, start).unwrap_or(0) as usize;
        let body = start + 4;
        let slice = self
            .map
            .get(body..body.saturating_add(len))
            .filter(|_| body + len <= end)
            .ok_or_else(|| bad(&format!("length {len} runs past the postings area")))?;
        decode_bitmap(slice).ok_or_else(|| bad("invalid bitmap"))
    }

    /// The posting of `term`, if the segment has it.
    pub(crate) fn get(&self, term: &[u8]) -> Result<Option<RoaringBitmap>, IndexError> {
        self.fst.get(term).map(|o| self.posting(o)).transpose()
    }
}

/// Decodes a serialized bitmap that must fill `bytes` exactly.
fn decode_bitmap(bytes: &[u8]) -> Option<RoaringBitmap> {
    let mut rest = bytes;
    let bm = RoaringBitmap::deserialize_from(&mut rest).ok()?;
    rest.is_empty().then_some(bm)
}

/// Writes a segment: [`SegmentWriter::add`] terms in strictly increasing order, then
/// [`SegmentWriter::finish`].
pub(crate) struct SegmentWriter {
    out: BufWriter<File>,
    crc: crc32fast::Hasher,
    pos: u64,
    fst: fst::MapBuilder<Vec<u8>>,
    terms: u64,
    scratch: Vec<u8>,
    tmp: PathBuf,
    path: PathBuf,
}

impl SegmentWriter {
    pub(crate) fn create(dir: &Path, seq: u64) -> Result<SegmentWriter, IndexError> {
        let path = dir.join(segment_file_name(seq));
        let tmp = dir.join(format!("{}.tmp", segment_file_name(seq)));
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| io_err(&tmp, e))?;
        let fst = fst::MapBuilder::memory();
        let mut w = SegmentWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            crc: crc32fast::Hasher::new(),
            pos: 0,
            fst,
            terms: 0,
            scratch: Vec::new(),
            tmp,
            path,
        };
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(SEGMENT_MAGIC);
        header[8..12].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
        w.write(&header)?;
        Ok(w)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), IndexError> {
        self.crc.update(bytes);
        self.pos += bytes.len() as u64;
        self.out.write_all(bytes).map_err(|e| io_err(&self.tmp, e))
    }

    /// Adds `term` with a non-empty posting; terms must come in strictly increasing order.
    pub(crate) fn add(&mut self, term: &[u8], ids: &RoaringBitmap) -> Result<(), IndexError> {
        let offset = self.pos;
        self.fst.insert(term, offset).map_err(|e| {
            io_err(
                &self.tmp,
                std::io::Error::other(format!("term out of order: {e}")),
            )
        })?;
        self.scratch.clear();
        ids.serialize_into(&mut self.scratch)
            .map_err(|e| io_err(&self.tmp, e))?;
        let len = u32::try_from(self.scratch.len()).map_err(|_| {
            io_err(
                &self.tmp,
                std::io::Error::other("posting larger than 4 GiB"),
            )
        })?;
        self.write(&len.to_le_bytes())?;
        let scratch = std::mem::take(&mut self.scratch);
        let r = self.write(&scratch);
        self.scratch = scratch;
        r?;
        self.terms += 1;
        Ok(())
    }

    /// Writes the fst, the covered ids and the footer; fsyncs and renames into place.
    pub(crate) fn finish(mut self, covered: &RoaringBitmap) -> Result<PathBuf, IndexError> {
        let postings_len = self.pos - HEADER_LEN as u64;
        let fst = std::mem::replace(&mut self.fst, fst::MapBuilder::memory())
            .into_inner()
            .map_err(|e| io_err(&self.tmp, std::io::Error::other(e.to_string())))?;
        self.write(&fst)?;
        let mut ids = Vec::with_capacity(covered.serialized_size());
        covered
            .serialize_into(&mut ids)
            .map_err(|e| io_err(&self.tmp, e))?;
        self.write(&ids)?;
        let mut footer = Vec::with_capacity(FOOTER_LEN);
        for v in [postings_len, fst.len() as u64, ids.len() as u64, self.terms] {
            footer.extend_from_slice(&v.to_le_bytes());
        }
        self.write(&footer)?;
        let crc = self.crc.clone().finalize();
        self.out
            .write_all(&crc.to_le_bytes())
            .map_err(|e| io_err(&self.tmp, e))?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_err(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| io_err(&self.tmp, e))?;
        drop(file);
        fs::rename(&self.tmp, &self.path).map_err(|e| io_err(&self.path, e))?;
        Ok(self.path)
    }

    /// Removes the temporary file of an abandoned build.
    pub(crate) fn abandon(self) {
        let tmp = self.tmp;
        drop(self.out);
        let _ = fs::remove_file(tmp);
    }
}
