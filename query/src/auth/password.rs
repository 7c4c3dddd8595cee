//! Password hashing (argon2id, PHC strings with a random salt) and the in-memory cache of
//! successful verifications.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use parking_lot::Mutex;
use rand::RngCore;

/// Hashes `password` with argon2id and a fresh 16-byte random salt; the PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) is what the meta store keeps.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("cannot encode the salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash` (a damaged hash never matches).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Remembers `(user, password)` pairs that verified against a stored hash, so a request does not
/// pay argon2 again. Keys are two keyed SipHash values (random keys per process) of the pair,
/// never the password; the value is the PHC string the pair verified against, so a changed
/// password (new hash) or a dropped user never matches a stale entry.
pub struct VerifyCache {
    keys: (RandomState, RandomState),
    entries: Mutex<HashMap<(u64, u64), String>>,
    capacity: usize,
}

impl VerifyCache {
    pub fn new(capacity: usize) -> VerifyCache {
        VerifyCache {
            keys: (RandomState::new(), RandomState::new()),
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn key(&self, user: &str, password: &str) -> (u64, u64) {
        (
            self.keys.0.hash_one((user, password)),
            self.keys.1.hash_one((user, password)),
        )
    }

    /// Whether `(user, password)` verified before against exactly `hash`.
    pub fn hit(&self, user: &str, password: &str, hash: &str) -> bool {
        let k = self.key(user, password);
        self.entries.lock().get(&k).is_some_and(|h| h == hash)
    }

    /// Records a successful verification (the cache is cleared when full: it only saves work).
    pub fn insert(&self, user: &str, password: &str, hash: &str) {
        let k = self.key(user, password);
        let mut e = self.entries.lock();
        if e.len() >= self.capacity {
            e.clear();
        }
        e.insert(k, hash.to_owned());
    }

    /// Forgets every entry of `user`'s current hash (SET PASSWORD, DROP USER).
    pub fn forget_hash(&self, hash: &str) {
        self.entries.lock().retain(|_, h| h != hash);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("pw").unwrap();
        let b = hash_password("pw").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "two hashes of one password must differ (random salt)");
        assert!(verify_password("pw", &a));
        assert!(verify_password("pw", &b));
        assert!(!verify_password("pW", &a));
        assert!(!verify_password("pw", "not a phc string"));
        assert!(!a.contains("pw$"));
    }

    #[test]
    fn cache_matches_only_the_hash_it_saw() {
        let c = VerifyCache::new(2);
        c.insert("bob", "pw", "H1");
        assert!(c.hit("bob", "pw", "H1"));
        assert!(!c.hit("bob", "pw", "H2"), "a changed hash must miss");
        assert!(!c.hit("bob", "px", "H1"));
        assert!(!c.hit("bo", "bpw", "H1"));
        c.forget_hash("H1");
        assert!(!c.hit("bob", "pw", "H1"));
        c.insert("a", "1", "X");
        c.insert("b", "2", "Y");
        c.insert("c", "3", "Z");
        assert!(c.len() <= 2);
        assert!(c.hit("c", "3", "Z"));
    }
}
