#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

/// A read-only, shareable view of a sealed file's bytes.
///
/// Cloning is cheap (an `Arc`). Empty files are represented without a mapping, since mapping zero
/// bytes fails on some platforms.
#[derive(Clone)]
pub struct Mapped {
    inner: Arc<Inner>,
}

enum Inner {
    Map(memmap2::Mmap),
    Empty,
}

impl Mapped {
    /// Maps the whole file at `path` read-only.
    pub fn open(path: &Path) -> io::Result<Mapped> {
        let file = File::open(path)?;
        Self::from_file(&file)
    }

    /// Maps an already opened file read-only.
    pub fn from_file(file: &File) -> io::Result<Mapped> {
        let len = file.metadata()?.len();
        if len == 0 {
            return Ok(Mapped {
                inner: Arc::new(Inner::Empty),
            });
        }
        // SAFETY: taildb maps only sealed files that are never modified or truncated after they are
        // renamed into place (module docs, "Safety"), so the mapped bytes stay valid and unchanged for
        // the lifetime of the map.
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(Mapped {
            inner: Arc::new(Inner::Map(map)),
        })
    }

    /// Tells the kernel this process does not need the file's pages for now (after a whole-file
    /// check such as a CRC at open), so they stop counting toward the process's resident memory.
    /// The pages stay in the page cache and are faulted back in, unchanged, on the next access.
    /// A hint: failure is ignored.
    pub fn release_pages(&self) {
        #[cfg(unix)]
        if let Inner::Map(m) = &*self.inner {
            // SAFETY: the map is a shared, read-only mapping of a sealed file (module docs): dropping
            // its pages loses nothing, and any later read sees the same bytes from the file. No
            // reference into the pages is invalidated, since the addresses stay mapped.
            let _ = unsafe { m.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        match &*self.inner {
            Inner::Map(m) => m,
            Inner::Empty => &[],
        }
    }
}

impl Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapped")
            .field("len", &self.as_slice().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_file_and_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::File::create(&p)
            .unwrap()
            .write_all(b"hello")
            .unwrap();
        assert_eq!(&*Mapped::open(&p).unwrap(), b"hello");
        let e = dir.path().join("e");
        std::fs::File::create(&e).unwrap();
        assert!(Mapped::open(&e).unwrap().is_empty());
    }
}
