//! Term encoding. Every term is one tag byte followed by UTF-8 names separated by `0xFF`, a byte
//! that never occurs in UTF-8, so a prefix of names ending in the separator selects exactly the
//! terms under it and byte order within a prefix is the names' byte order:
//!
//! ```text
//! M <measurement>                             series of the measurement
//! K <measurement> FF <tag key>                series having the tag key
//! V <measurement> FF <tag key> FF <tag value> series having key = value
//! ```

pub(crate) const SEP: u8 = 0xFF;
const MEASUREMENT: u8 = b'M';
const KEY: u8 = b'K';
const VALUE: u8 = b'V';

/// Prefix of every measurement term (`M`); the suffix is the measurement name.
pub(crate) const MEASUREMENT_PREFIX: &[u8] = &[MEASUREMENT];

pub(crate) fn measurement_term(m: &str) -> Vec<u8> {
    let mut t = Vec::with_capacity(1 + m.len());
    t.push(MEASUREMENT);
    t.extend_from_slice(m.as_bytes());
    t
}

/// `K m FF`: the suffixes of the terms under it are the tag keys of `m`.
pub(crate) fn key_prefix(m: &str) -> Vec<u8> {
    let mut t = Vec::with_capacity(2 + m.len());
    t.push(KEY);
    t.extend_from_slice(m.as_bytes());
    t.push(SEP);
    t
}

pub(crate) fn key_term(m: &str, k: &str) -> Vec<u8> {
    let mut t = key_prefix(m);
    t.extend_from_slice(k.as_bytes());
    t
}

/// `V m FF k FF`: the suffixes of the terms under it are the values of tag `k` in `m`.
pub(crate) fn value_prefix(m: &str, k: &str) -> Vec<u8> {
    let mut t = Vec::with_capacity(3 + m.len() + k.len());
    t.push(VALUE);
    t.extend_from_slice(m.as_bytes());
    t.push(SEP);
    t.extend_from_slice(k.as_bytes());
    t.push(SEP);
    t
}

pub(crate) fn value_term(m: &str, k: &str, v: &str) -> Vec<u8> {
    let mut t = value_prefix(m, k);
    t.extend_from_slice(v.as_bytes());
    t
}

/// Appends every term of one series to `buf`, recording each term's end offset in `ends`.
pub(crate) fn push_series_terms(
    m: &str,
    tags: &[(String, String)],
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) {
    buf.push(MEASUREMENT);
    buf.extend_from_slice(m.as_bytes());
    ends.push(buf.len());
    for (k, v) in tags {
        buf.push(KEY);
        buf.extend_from_slice(m.as_bytes());
        buf.push(SEP);
        buf.extend_from_slice(k.as_bytes());
        ends.push(buf.len());
        buf.push(VALUE);
        buf.extend_from_slice(m.as_bytes());
        buf.push(SEP);
        buf.extend_from_slice(k.as_bytes());
        buf.push(SEP);
        buf.extend_from_slice(v.as_bytes());
        ends.push(buf.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_terms_equal_the_single_term_encoders() {
        let tags = vec![("host".to_string(), "a".to_string())];
        let (mut buf, mut ends) = (Vec::new(), Vec::new());
        push_series_terms("cpu", &tags, &mut buf, &mut ends);
        let mut start = 0;
        let terms: Vec<&[u8]> = ends
            .iter()
            .map(|&e| {
                let t = &buf[start..e];
                start = e;
                t
            })
            .collect();
        assert_eq!(
            terms,
            vec![
                &measurement_term("cpu")[..],
                &key_term("cpu", "host")[..],
                &value_term("cpu", "host", "a")[..]
            ]
        );
    }

    #[test]
    fn prefixes_do_not_cross_names() {
        // "cpu" must not select the terms of "cpu2", nor key "h" those of "host".
        assert!(!key_term("cpu2", "a").starts_with(&key_prefix("cpu")));
        assert!(!value_term("cpu", "host", "a").starts_with(&value_prefix("cpu", "h")));
        assert!(value_term("cpu", "h", "").starts_with(&value_prefix("cpu", "h")));
    }
}
