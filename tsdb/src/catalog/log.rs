//! The append-only key log: a header, then one CRC-framed entry per new key.
//!
//! The id of an entry is implicit: `base_id` from the header plus the entry's position. Replay
//! ([`replay`]) accepts a clean prefix of frames and cuts a torn tail; see the rules there.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::CatalogError;
use super::format::{
    FRAME_HEADER_LEN, LOG_HEADER_LEN, LOG_MAGIC, VERSION, corrupt, crc, io_err, u32_at, u64_at,
};

/// Appends the frame of `key` (at most `MAX_KEY_LEN` bytes) to `out`:
/// `len u16 | !len u16 | crc32(len, !len, key) u32 | key`.
pub fn encode_frame(key: &str, out: &mut Vec<u8>) {
    let len = key.len() as u16;
    let mut lens = [0u8; 4];
    lens[..2].copy_from_slice(&len.to_le_bytes());
    lens[2..].copy_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(&lens);
    out.extend_from_slice(&crc(&[&lens, key.as_bytes()]).to_le_bytes());
    out.extend_from_slice(key.as_bytes());
}

/// The log header for a log whose first entry gets id `base_id`.
pub fn encode_header(base_id: u32, generation: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(LOG_HEADER_LEN);
    h.extend_from_slice(LOG_MAGIC);
    h.extend_from_slice(&VERSION.to_le_bytes());
    h.extend_from_slice(&base_id.to_le_bytes());
    h.extend_from_slice(&generation.to_le_bytes());
    let c = crc(&[&h]);
    h.extend_from_slice(&c.to_le_bytes());
    h
}

/// What [`replay`] found in a log file.
#[derive(Debug)]
pub struct Replayed {
    pub base_id: u32,
    /// Byte offset of the end of the last good frame; the file is cut here if it is longer.
    pub good_len: u64,
    /// Whether a torn tail was cut.
    pub torn: bool,
}

/// Decodes a whole log file image, calling `on_key` for every entry in order.
///
/// Rules: the header must be complete and valid (it is fsynced before the manifest names the log).
/// At the first frame that does not decode, the rest of the file is a *torn tail* — cut cleanly —
/// when the frame's header is incomplete, when its (complement-checked) length runs past the end
/// of the file, or when nothing but zero bytes follows it (for a frame whose length check fails:
/// nothing but zeros after its 8-byte header). Anything else is corruption in the middle of the log.
pub fn replay(
    path: &Path,
    buf: &[u8],
    expect_generation: u64,
    mut on_key: impl FnMut(&str) -> Result<(), CatalogError>,
) -> Result<Replayed, CatalogError> {
    let header = buf.get(..LOG_HEADER_LEN).ok_or_else(|| {
        corrupt(
            path,
            format!(
                "log header truncated: {} of {LOG_HEADER_LEN} bytes",
                buf.len()
            ),
        )
    })?;
    if &header[..8] != LOG_MAGIC {
        return Err(corrupt(path, "bad log magic"));
    }
    let stored = u32_at(header, 24).unwrap_or(0);
    let computed = crc(&[&header[..24]]);
    if stored != computed {
        return Err(corrupt(
            path,
            format!("log header CRC mismatch: stored {stored:#010x}, computed {computed:#010x}"),
        ));
    }
    let version = u32_at(header, 8).unwrap_or(0);
    if version != VERSION {
        return Err(CatalogError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
        });
    }
    let base_id = u32_at(header, 12).unwrap_or(0);
    let generation = u64_at(header, 16).unwrap_or(0);
    if generation != expect_generation {
        return Err(corrupt(
            path,
            format!("log header names generation {generation}, expected {expect_generation}"),
        ));
    }

    let mut pos = LOG_HEADER_LEN;
    loop {
        if pos == buf.len() {
            return Ok(Replayed {
                base_id,
                good_len: pos as u64,
                torn: false,
            });
        }
        match decode_frame(buf, pos) {
            Frame::Good { key, end } => {
                on_key(key)?;
                pos = end;
            }
            Frame::PastEnd => {
                return Ok(Replayed {
                    base_id,
                    good_len: pos as u64,
                    torn: true,
                });
            }
            Frame::Bad { end, reason } => {
                if buf.get(end..).unwrap_or(&[]).iter().all(|&b| b == 0) {
                    return Ok(Replayed {
                        base_id,
                        good_len: pos as u64,
                        torn: true,
                    });
                }
                return Err(corrupt(path, format!("log entry at byte {pos}: {reason}")));
            }
        }
    }
}

enum Frame<'a> {
    Good { key: &'a str, end: usize },
    PastEnd,
    Bad { end: usize, reason: String },
}

fn decode_frame(buf: &[u8], pos: usize) -> Frame<'_> {
    let Some(header) = buf.get(pos..pos + FRAME_HEADER_LEN) else {
        return Frame::PastEnd;
    };
    let (lens, stored) = header.split_at(4);
    let len = u16::from_le_bytes([lens[0], lens[1]]);
    let check = u16::from_le_bytes([lens[2], lens[3]]);
    let start = pos + FRAME_HEADER_LEN;
    if check != !len {
        return Frame::Bad {
            end: start,
            reason: format!("key length {len} fails its check {check:#06x}"),
        };
    }
    let end = start + usize::from(len);
    let Some(key) = buf.get(start..end) else {
        return Frame::PastEnd;
    };
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let computed = crc(&[lens, key]);
    if computed != stored {
        return Frame::Bad {
            end,
            reason: format!("CRC mismatch: stored {stored:#010x}, computed {computed:#010x}"),
        };
    }
    match std::str::from_utf8(key) {
        Ok(key) => Frame::Good { key, end },
        Err(e) => Frame::Bad {
            end,
            reason: format!("key is not UTF-8: {e}"),
        },
    }
}

/// The open, current log file. Writes go through [`LogWriter::append`]; the catalog keeps a
/// buffer of encoded frames and hands it over here (see `series_catalog.rs`, `hand_over`).
#[derive(Debug)]
pub struct LogWriter {
    pub path: PathBuf,
    pub generation: u64,
    file: File,
}

impl LogWriter {
    /// Creates a new log file with its header and fsyncs it (the caller fsyncs the directory).
    pub fn create(path: PathBuf, generation: u64, base_id: u32) -> Result<LogWriter, CatalogError> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        file.write_all(&encode_header(base_id, generation))
            .map_err(|e| io_err(&path, e))?;
        file.sync_all().map_err(|e| io_err(&path, e))?;
        Ok(LogWriter {
            path,
            generation,
            file,
        })
    }

    /// Opens an existing log for appending after cutting it to `good_len`.
    pub fn reopen(
        path: PathBuf,
        generation: u64,
        good_len: u64,
        cut: bool,
    ) -> Result<LogWriter, CatalogError> {
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        if cut {
            file.set_len(good_len).map_err(|e| io_err(&path, e))?;
            file.sync_all().map_err(|e| io_err(&path, e))?;
        }
        let mut w = LogWriter {
            path,
            generation,
            file,
        };
        use std::io::Seek;
        w.file
            .seek(std::io::SeekFrom::Start(good_len))
            .map_err(|e| io_err(&w.path, e))?;
        Ok(w)
    }

    pub fn append(&mut self, bytes: &[u8]) -> Result<(), CatalogError> {
        self.file
            .write_all(bytes)
            .map_err(|e| io_err(&self.path, e))
    }

    pub fn fsync(&mut self) -> Result<(), CatalogError> {
        self.file.sync_data().map_err(|e| io_err(&self.path, e))
    }
}
