//! A bounded key → id cache for keys that live in the fst segment, evicted by CLOCK
//! (second chance): a hit sets the slot's reference bit; an insert into a full cache sweeps the
//! hand, clearing set bits, and reuses the first slot whose bit is clear.
//!
//! A slot's `String` is reused on replacement, so a steady-state miss allocates only when the new
//! key is longer than the slot's capacity; a hit never allocates.

use hashbrown::HashTable;

struct Slot {
    key: String,
    hash: u64,
    id: u32,
    referenced: bool,
}

pub struct ClockCache {
    capacity: usize,
    table: HashTable<u32>,
    slots: Vec<Slot>,
    hand: usize,
}

impl ClockCache {
    pub fn new(capacity: usize) -> ClockCache {
        let capacity = capacity.min(u32::MAX as usize);
        ClockCache {
            capacity,
            table: HashTable::new(),
            slots: Vec::new(),
            hand: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn get(&mut self, key: &str, hash: u64) -> Option<u32> {
        let slots = &mut self.slots;
        let &s = self.table.find(hash, |&s| {
            slots.get(s as usize).is_some_and(|x| x.key == key)
        })?;
        let slot = slots.get_mut(s as usize)?;
        slot.referenced = true;
        Some(slot.id)
    }

    /// Inserts `key` (which must not be present) → `id`, evicting one entry if full.
    pub fn insert(&mut self, key: &str, hash: u64, id: u32) {
        if self.capacity == 0 {
            return;
        }
        let slots = &self.slots;
        if slots.len() < self.capacity {
            let s = slots.len() as u32;
            self.slots.push(Slot {
                key: key.to_owned(),
                hash,
                id,
                referenced: false,
            });
            let slots = &self.slots;
            self.table
                .insert_unique(hash, s, |&j| slots.get(j as usize).map_or(0, |x| x.hash));
            return;
        }
        // Sweep: at most two turns (the first clears every bit).
        let n = self.slots.len();
        let victim = loop {
            let h = self.hand;
            self.hand = (h + 1) % n;
            match self.slots.get_mut(h) {
                Some(slot) if slot.referenced => slot.referenced = false,
                _ => break h,
            }
        };
        let Some(slot) = self.slots.get_mut(victim) else {
            return;
        };
        if let Ok(e) = self.table.find_entry(slot.hash, |&j| j as usize == victim) {
            e.remove();
        }
        slot.key.clear();
        slot.key.push_str(key);
        slot.hash = hash;
        slot.id = id;
        slot.referenced = false;
        let slots = &self.slots;
        self.table.insert_unique(hash, victim as u32, |&j| {
            slots.get(j as usize).map_or(0, |x| x.hash)
        });
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.slots.iter().map(|s| s.key.capacity()).sum::<usize>()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.table.capacity() * 5
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn keeps_referenced_entries_and_evicts_others() {
        let h = hashbrown::DefaultHashBuilder::default();
        let mut c = ClockCache::new(3);
        for (i, k) in ["a", "b", "c"].iter().enumerate() {
            c.insert(k, h.hash_one(k), i as u32);
        }
        assert_eq!(c.get("a", h.hash_one("a")), Some(0));
        c.insert("d", h.hash_one("d"), 3); // evicts b (a is referenced)
        assert_eq!(c.len(), 3);
        assert_eq!(c.get("b", h.hash_one("b")), None);
        assert_eq!(c.get("a", h.hash_one("a")), Some(0));
        assert_eq!(c.get("c", h.hash_one("c")), Some(2));
        assert_eq!(c.get("d", h.hash_one("d")), Some(3));
    }

    #[test]
    fn zero_capacity_holds_nothing() {
        let mut c = ClockCache::new(0);
        c.insert("a", 1, 0);
        assert_eq!(c.get("a", 1), None);
    }
}
