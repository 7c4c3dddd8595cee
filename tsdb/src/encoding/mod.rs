//! Column codecs for segments: numbers and timestamps through `pco`, strings through a dictionary and
//! LZ4, booleans and presence bitmaps bit-packed.
//!
//! Invariants:
//! 1. Every `encode_*` appends to a caller's `Vec<u8>`; every `decode_*` takes the exact byte slice
//!    the encoder produced plus the value count the caller stored beside it, and returns either
//!    exactly that many values or a [`DecodeError`]. Garbage input never panics and never makes a
//!    decoder allocate more than a small multiple of its input (counts are checked against the
//!    bytes available before any allocation sized by them).
//! 2. Encodings are deterministic: the same input gives the same bytes.
//! 3. Multi-byte integers outside `pco` streams are little-endian.
//!
//! Decisions:
//! - Zero values encode to zero bytes for every codec, so absent or empty columns cost nothing.
//! - The codecs carry no checksums; the segment wraps each column chunk in a CRC32. They still
//!   validate what they read, because a CRC cannot protect against a writer bug or a fuzzer.
//!
//! Byte layouts are documented in `docs/format/segment.md`, "Column codecs".

mod bits;
mod bytes;
mod error;
mod numbers;
pub(crate) mod sketches;
mod strings;
mod timestamps;

pub use bits::{Presence, decode_bits, decode_presence, encode_bits, encode_presence};
pub use bytes::{ByteReader, put_blob, put_i64, put_u32, put_u64};
pub use error::{DecodeError, EncodeError};
pub use numbers::{decode_numbers, encode_numbers};
pub use sketches::{decode_sketch_values, decode_sketches, encode_sketch_values, encode_sketches};
pub use strings::{StringEncoding, decode_strings, encode_strings};
pub use timestamps::{TimeEncoding, decode_timestamps, encode_timestamps};
