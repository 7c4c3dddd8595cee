//! The keys of the unmerged log(s), in memory: one string arena plus a hash index of positions.
//! Keys here have ids `base..base + len`; they are necessarily in memory until a merge moves them
//! into an fst segment.

use hashbrown::HashTable;

pub struct Tail {
    base: u32,
    bytes: String,
    /// `ends[i]` is where key `i` ends in `bytes`; it starts where key `i - 1` ends.
    ends: Vec<usize>,
    /// Positions (`id - base`), hashed by key with the catalog's hasher.
    index: HashTable<u32>,
}

impl Tail {
    pub fn new(base: u32) -> Tail {
        Tail {
            base,
            bytes: String::new(),
            ends: Vec::new(),
            index: HashTable::new(),
        }
    }

    pub fn base(&self) -> u32 {
        self.base
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// One past the last id held.
    pub fn end_id(&self) -> u32 {
        self.base + self.ends.len() as u32
    }

    /// Key at position `i` (`id - base`); empty for a position out of range.
    pub fn key_at(&self, i: usize) -> &str {
        let end = self.ends.get(i).copied().unwrap_or(0);
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(end)
        };
        self.bytes.get(start..end).unwrap_or("")
    }

    pub fn key(&self, id: u32) -> Option<&str> {
        let i = id.checked_sub(self.base)? as usize;
        (i < self.ends.len()).then(|| self.key_at(i))
    }

    pub fn get(&self, key: &str, hash: u64) -> Option<u32> {
        self.index
            .find(hash, |&i| self.key_at(i as usize) == key)
            .map(|&i| self.base + i)
    }

    /// Appends `key` (not present yet) and returns its id. `hasher` rehashes keys on growth.
    pub fn push(&mut self, key: &str, hash: u64, hasher: impl Fn(&str) -> u64) -> u32 {
        let i = self.ends.len() as u32;
        self.bytes.push_str(key);
        self.ends.push(self.bytes.len());
        let (bytes, ends) = (&self.bytes, &self.ends);
        let key_at = |j: usize| {
            let end = ends.get(j).copied().unwrap_or(0);
            let start = if j == 0 {
                0
            } else {
                ends.get(j - 1).copied().unwrap_or(end)
            };
            bytes.get(start..end).unwrap_or("")
        };
        self.index
            .insert_unique(hash, i, |&j| hasher(key_at(j as usize)));
        self.base + i
    }

    /// Positions sorted by key bytes (what an fst builder needs).
    pub fn sorted_positions(&self) -> Vec<u32> {
        let mut v: Vec<u32> = (0..self.ends.len() as u32).collect();
        v.sort_unstable_by(|&a, &b| self.key_at(a as usize).cmp(self.key_at(b as usize)));
        v
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 8 + self.index.capacity() * 5
    }
}

impl Tail {
    /// A copy of the keys without the hash index (for iteration outside the lock).
    pub fn snapshot(&self) -> Tail {
        Tail {
            base: self.base,
            bytes: self.bytes.clone(),
            ends: self.ends.clone(),
            index: HashTable::new(),
        }
    }
}
