//! Byte layout of a WAL segment: the 32-byte segment header and the 16-byte record frame header.
//!
//! Layout, CRC coverage and versioning are described in `docs/format/wal.md`; this file is the
//! only code that knows the offsets. All integers are little-endian. Decoding never panics: every
//! read goes through `slice::get` and reports what it found.

/// First eight bytes of every segment file.
pub(crate) const MAGIC: [u8; 8] = *b"taildbWL";
/// The format version this build writes and the only one it reads.
pub(crate) const VERSION: u16 = 1;
/// Size of the segment header; the first record frame starts here.
pub(crate) const HEADER_LEN: usize = 32;
/// Size of a record frame header (length, sequence number, CRC); the payload follows.
pub(crate) const FRAME_HEADER_LEN: usize = 16;
/// Largest payload one record may carry (1 GiB). Larger lengths on disk are treated as damage.
pub(crate) const MAX_RECORD_LEN: usize = 1 << 30;
/// Extension of a segment file: `{id:020}.wal`.
pub(crate) const SEGMENT_SUFFIX: &str = ".wal";
/// Extension of a segment being created; such a file is never read and is removed at open.
pub(crate) const TMP_SUFFIX: &str = ".wal.tmp";

/// File name of segment `id`: the id zero-padded to 20 digits, so names sort like ids.
pub(crate) fn segment_file_name(id: u64) -> String {
    format!("{id:020}{SEGMENT_SUFFIX}")
}

/// The id of a segment file name, or `None` if `name` is not a segment file.
pub(crate) fn parse_segment_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SEGMENT_SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The fixed header at the start of each segment file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegmentHeader {
    /// The segment's id; must equal the id in its file name.
    pub id: u64,
    /// Sequence number of the first record of this segment (the next one, if it has none).
    pub first_seq: u64,
}

/// Why a byte range is not a valid header or frame, and where (offset within the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FormatError {
    pub offset: u64,
    pub reason: String,
}

impl SegmentHeader {
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&VERSION.to_le_bytes());
        // 10..12: flags, always 0 in version 1.
        out[12..20].copy_from_slice(&self.id.to_le_bytes());
        out[20..28].copy_from_slice(&self.first_seq.to_le_bytes());
        let crc = crc32fast::hash(&out[0..28]);
        out[28..32].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Validates length, magic, version, flags and CRC (in that order) of the file's first bytes.
    pub(crate) fn decode(file: &[u8]) -> Result<SegmentHeader, FormatError> {
        let err = |offset: u64, reason: String| FormatError { offset, reason };
        let Some(h) = file.get(..HEADER_LEN) else {
            return Err(err(
                0,
                format!(
                    "file is {} bytes, shorter than the {HEADER_LEN}-byte segment header",
                    file.len()
                ),
            ));
        };
        if h.get(0..8) != Some(&MAGIC[..]) {
            return Err(err(
                0,
                format!(
                    "bad magic {:02x?}, expected {:02x?} (\"taildbWL\")",
                    &h[0..8],
                    MAGIC
                ),
            ));
        }
        let version = le_u16(h, 8);
        let flags = le_u16(h, 10);
        let id = le_u64(h, 12);
        let first_seq = le_u64(h, 20);
        let stored_crc = le_u32(h, 28);
        let crc = crc32fast::hash(&h[0..28]);
        if crc != stored_crc {
            return Err(err(
                28,
                format!(
                    "header checksum mismatch: stored {stored_crc:#010x}, computed {crc:#010x}"
                ),
            ));
        }
        if version != VERSION {
            return Err(err(
                8,
                format!(
                    "unsupported wal format version {version}; this build reads version {VERSION} only"
                ),
            ));
        }
        if flags != 0 {
            return Err(err(
                10,
                format!("unknown header flags {flags:#06x} (version 1 defines none)"),
            ));
        }
        Ok(SegmentHeader { id, first_seq })
    }
}

/// Encodes a record's frame header. `payload_crc` is a hasher that has seen exactly the payload
/// (computed before the sequence number is known, outside the append lock); the stored CRC covers
/// bytes 0..12 of the frame header followed by the payload.
pub(crate) fn encode_frame_header(
    seq: u64,
    payload_crc: &crc32fast::Hasher,
) -> [u8; FRAME_HEADER_LEN] {
    let len = payload_crc.total_len();
    let mut out = [0u8; FRAME_HEADER_LEN];
    // The caller guarantees len <= MAX_RECORD_LEN < u32::MAX.
    out[0..4].copy_from_slice(&(len as u32).to_le_bytes());
    out[4..12].copy_from_slice(&seq.to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&out[0..12]);
    h.combine(payload_crc);
    out[12..16].copy_from_slice(&h.finalize().to_le_bytes());
    out
}

/// One record frame read from a segment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    pub seq: u64,
    pub payload: &'a [u8],
    /// Offset of the byte after this frame.
    pub end: usize,
}

/// Why the bytes at an offset are not a valid frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BadFrame {
    /// Fewer than [`FRAME_HEADER_LEN`] bytes remain.
    ShortHeader { have: usize },
    /// The length field is larger than [`MAX_RECORD_LEN`].
    TooLong { len: usize },
    /// The payload runs past the end of the file.
    ShortPayload { len: usize, have: usize },
    /// The stored CRC does not match the frame.
    Checksum { stored: u32, computed: u32 },
}

impl std::fmt::Display for BadFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadFrame::ShortHeader { have } => {
                write!(
                    f,
                    "incomplete record header ({have} of {FRAME_HEADER_LEN} bytes)"
                )
            }
            BadFrame::TooLong { len } => {
                write!(
                    f,
                    "record length {len} exceeds the {MAX_RECORD_LEN}-byte limit"
                )
            }
            BadFrame::ShortPayload { len, have } => {
                write!(f, "incomplete record payload ({have} of {len} bytes)")
            }
            BadFrame::Checksum { stored, computed } => {
                write!(
                    f,
                    "record checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
                )
            }
        }
    }
}

/// Reads the frame starting at `off` in `file` (the whole segment), validating length and CRC.
/// Does not check the sequence number; the caller knows which one it expects.
pub(crate) fn read_frame(file: &[u8], off: usize) -> Result<Frame<'_>, BadFrame> {
    let rest = file.get(off..).unwrap_or(&[]);
    let Some(h) = rest.get(..FRAME_HEADER_LEN) else {
        return Err(BadFrame::ShortHeader { have: rest.len() });
    };
    let len = le_u32(h, 0) as usize;
    if len > MAX_RECORD_LEN {
        return Err(BadFrame::TooLong { len });
    }
    let Some(payload) = rest.get(FRAME_HEADER_LEN..FRAME_HEADER_LEN + len) else {
        return Err(BadFrame::ShortPayload {
            len,
            have: rest.len() - FRAME_HEADER_LEN,
        });
    };
    let stored = le_u32(h, 12);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&h[0..12]);
    hasher.update(payload);
    let computed = hasher.finalize();
    if computed != stored {
        return Err(BadFrame::Checksum { stored, computed });
    }
    Ok(Frame {
        seq: le_u64(h, 4),
        payload,
        end: off + FRAME_HEADER_LEN + len,
    })
}

/// Cheap pre-check used when scanning for valid-looking data after a bad record: the sequence
/// number at `off` lies in `seq_range` and the length fits the file. Only then is the CRC computed.
pub(crate) fn plausible_frame_at(
    file: &[u8],
    off: usize,
    seq_range: std::ops::RangeInclusive<u64>,
) -> bool {
    let Some(h) = file.get(off..).and_then(|r| r.get(..FRAME_HEADER_LEN)) else {
        return false;
    };
    let len = le_u32(h, 0) as usize;
    let seq = le_u64(h, 4);
    seq_range.contains(&seq) && len <= MAX_RECORD_LEN && off + FRAME_HEADER_LEN + len <= file.len()
}

// The helpers below are only called on slices whose length was checked by the caller; they fall
// back to zero instead of panicking if that ever stops being true.
fn le_u16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(seq: u64, payload: &[u8]) -> Vec<u8> {
        let mut h = crc32fast::Hasher::new();
        h.update(payload);
        let mut v = encode_frame_header(seq, &h).to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn file_names_round_trip_and_sort() {
        assert_eq!(segment_file_name(42), "00000000000000000042.wal");
        assert_eq!(
            parse_segment_file_name(&segment_file_name(u64::MAX)),
            Some(u64::MAX)
        );
        assert_eq!(parse_segment_file_name("42.wal"), None);
        assert_eq!(parse_segment_file_name("0000000000000000004x.wal"), None);
        assert_eq!(
            parse_segment_file_name("00000000000000000042.wal.tmp"),
            None
        );
        assert!(segment_file_name(9) < segment_file_name(10));
    }

    #[test]
    fn header_rejects_newer_version_with_a_clear_reason() {
        let mut h = SegmentHeader {
            id: 1,
            first_seq: 1,
        }
        .encode();
        h[8..10].copy_from_slice(&2u16.to_le_bytes());
        let crc = crc32fast::hash(&h[0..28]);
        h[28..32].copy_from_slice(&crc.to_le_bytes());
        let e = SegmentHeader::decode(&h).unwrap_err();
        assert_eq!(e.offset, 8);
        assert!(e.reason.contains("version 2"), "{}", e.reason);
    }

    #[test]
    fn header_rejects_short_file() {
        let h = SegmentHeader {
            id: 1,
            first_seq: 1,
        }
        .encode();
        for n in 0..HEADER_LEN {
            assert!(SegmentHeader::decode(&h[..n]).is_err());
        }
    }

    #[test]
    fn frame_detects_every_single_bit_flip() {
        let f = frame(7, b"hello wal");
        for byte in 0..f.len() {
            for bit in 0..8 {
                let mut g = f.clone();
                g[byte] ^= 1 << bit;
                assert!(
                    read_frame(&g, 0).is_err(),
                    "flip at {byte}.{bit} went unnoticed"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn header_round_trip(id in any::<u64>(), first_seq in any::<u64>()) {
            let h = SegmentHeader { id, first_seq };
            prop_assert_eq!(SegmentHeader::decode(&h.encode()), Ok(h));
        }

        #[test]
        fn frames_round_trip(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
                             first in any::<u32>()) {
            let mut file = Vec::new();
            for (i, p) in payloads.iter().enumerate() {
                file.extend(frame(u64::from(first) + i as u64, p));
            }
            let mut off = 0;
            for (i, p) in payloads.iter().enumerate() {
                let f = read_frame(&file, off).unwrap();
                prop_assert_eq!(f.seq, u64::from(first) + i as u64);
                prop_assert_eq!(f.payload, &p[..]);
                off = f.end;
            }
            prop_assert_eq!(off, file.len());
        }

        #[test]
        fn truncated_frames_are_errors_not_panics(payload in proptest::collection::vec(any::<u8>(), 0..200), cut in any::<usize>()) {
            let f = frame(1, &payload);
            let cut = cut % f.len();
            prop_assert!(read_frame(&f[..cut], 0).is_err());
        }
    }
}
