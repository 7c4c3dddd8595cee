//! On-disk names and the atomic-replace protocol, in one place.
//!
//! Invariants:
//! 1. Every file name taildb creates is a constant or a formatter in this module.
//! 2. A small file that is replaced as a whole (meta, shard manifest) is written under a temporary
//!    name, fsynced, renamed over the old one, and the directory is fsynced: a crash leaves either the
//!    old or the new file, never a mix.
//! 3. Names of databases and retention policies are used in paths only through [`path_component`],
//!    which cannot produce `/`, `.` or `..`.

mod framed;
mod names;
mod replace;

pub use framed::{FRAMED_HEADER_LEN, FramedError, decode_framed, encode_framed};
pub use names::*;
pub use replace::{fsync_dir, write_atomic};
