//! The one place in taildb that maps files into memory; everything else sees `&[u8]`.
//!
//! # Safety
//!
//! A memory map is only sound while nobody truncates or rewrites the mapped file. taildb maps only
//! *sealed* files — segments, catalog fst segments, id→key tables — which are written once under a
//! temporary name, fsynced, renamed into place and never modified afterwards (see
//! `ARCHITECTURE.md`, "immutable files"). They are deleted only after every reader dropped its
//! [`Mapped`] handle (readers hold an `Arc`), and on Unix deleting a mapped file keeps the pages alive.
//! Under those rules the bytes behind a [`Mapped`] never change for its lifetime.

mod mapped;

pub use mapped::Mapped;
