//! Tombstones: deletes recorded against a shard's older segments.

use roaring::RoaringBitmap;

use super::manifest::TombstoneEntry;
use crate::model::Timestamp;

/// Rows of `measurement` in segments with `seq < below_seq`, of `series` (all when `None`), with
/// `min <= time <= max`, are deleted.
#[derive(Clone, Debug, PartialEq)]
pub struct Tombstone {
    pub measurement: String,
    pub series: Option<RoaringBitmap>,
    pub min: Timestamp,
    pub max: Timestamp,
    pub below_seq: u64,
}

impl Tombstone {
    /// Whether the tombstone hides the row `(series, t)` of a segment with sequence `seq`.
    #[inline]
    pub fn hides(&self, seq: u64, series: u32, t: Timestamp) -> bool {
        seq < self.below_seq
            && t >= self.min
            && t <= self.max
            && self.series.as_ref().is_none_or(|s| s.contains(series))
    }

    pub fn to_entry(&self) -> TombstoneEntry {
        TombstoneEntry {
            measurement: self.measurement.clone(),
            series: self.series.as_ref().map(|s| {
                let mut bytes = Vec::with_capacity(s.serialized_size());
                // Writing to a Vec cannot fail.
                let _ = s.serialize_into(&mut bytes);
                hex_encode(&bytes)
            }),
            min: self.min,
            max: self.max,
            below_seq: self.below_seq,
        }
    }

    pub fn from_entry(e: &TombstoneEntry) -> Result<Tombstone, String> {
        let series = match &e.series {
            None => None,
            Some(h) => {
                let bytes = hex_decode(h)?;
                Some(
                    RoaringBitmap::deserialize_from(&bytes[..])
                        .map_err(|err| format!("tombstone series bitmap: {err}"))?,
                )
            }
        };
        if e.min > e.max {
            return Err(format!(
                "tombstone time range {}..={} is empty",
                e.min, e.max
            ));
        }
        Ok(Tombstone {
            measurement: e.measurement.clone(),
            series,
            min: e.min,
            max: e.max,
            below_seq: e.below_seq,
        })
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn hex_decode(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return Err("tombstone series bitmap: odd hex length".into());
    }
    let digit = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            _ => Err(format!(
                "tombstone series bitmap: invalid hex digit {:?}",
                c as char
            )),
        }
    };
    b.chunks_exact(2)
        .map(|p| Ok((digit(p[0])? << 4) | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_reject_garbage() {
        let t = Tombstone {
            measurement: "m".into(),
            series: Some(RoaringBitmap::from_iter([1u32, 5, 70_000])),
            min: -5,
            max: 10,
            below_seq: 3,
        };
        assert_eq!(Tombstone::from_entry(&t.to_entry()), Ok(t.clone()));
        let mut e = t.to_entry();
        e.series = Some("zz".into());
        assert!(Tombstone::from_entry(&e).is_err());
        e.series = Some("abc".into());
        assert!(Tombstone::from_entry(&e).is_err());
        e.series = Some("00".into());
        assert!(Tombstone::from_entry(&e).is_err());
        assert!(t.hides(2, 5, 0));
        assert!(!t.hides(3, 5, 0));
        assert!(!t.hides(2, 6, 0));
        assert!(!t.hides(2, 5, 11));
    }
}
