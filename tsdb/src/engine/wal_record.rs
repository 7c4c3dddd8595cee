//! The WAL payload of one write batch (`docs/format/wal.md`, "write-batch record").
//!
//! ```text
//! u8 kind (=1) | str database | str retention policy | varint points
//! per point:  str measurement | str series key | i64 time (LE) | varint fields
//! per field:  str name | u8 type (FieldType tag) | value
//!             float/integer/unsigned: 8 B LE; boolean: 1 B; string: str
//! str = varint length + UTF-8 bytes
//! ```
//!
//! A delete record (`DROP SERIES`, `DROP MEASUREMENT`, `DELETE`):
//! ```text
//! u8 kind (=2) | str database | varint entries
//! per entry:  varint shard id | str measurement | u8 has_series
//!             [varint length | serialized RoaringBitmap of series ids] | i64 min (LE) | i64 max (LE)
//! ```
//! Series ids in a delete record are durable: the catalog is synced before the record is written.
//!
//! The write record is self-contained (series keys, not ids), so replay re-resolves ids and needs no
//! catalog state beyond what it rebuilds itself.

use std::borrow::Cow;

use crate::model::{FieldType, FieldValue, Timestamp};

pub const KIND_WRITE: u8 = 1;
pub const KIND_DELETE: u8 = 2;

/// One entry of a delete record: rows of `measurement` in shard `shard`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeleteEntry {
    pub shard: u64,
    pub measurement: String,
    pub series: Option<roaring::RoaringBitmap>,
    pub min: Timestamp,
    pub max: Timestamp,
}

pub fn encode_delete(db: &str, entries: &[DeleteEntry]) -> Vec<u8> {
    let mut out = vec![KIND_DELETE];
    put_str(&mut out, db);
    put_varint(&mut out, entries.len() as u64);
    for e in entries {
        put_varint(&mut out, e.shard);
        put_str(&mut out, &e.measurement);
        match &e.series {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                put_varint(&mut out, s.serialized_size() as u64);
                // Writing to a Vec cannot fail.
                let _ = s.serialize_into(&mut out);
            }
        }
        out.extend_from_slice(&e.min.to_le_bytes());
        out.extend_from_slice(&e.max.to_le_bytes());
    }
    out
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub fn put_field(out: &mut Vec<u8>, name: &str, v: &FieldValue<'_>) {
    put_str(out, name);
    out.push(v.field_type().to_u8());
    match v {
        FieldValue::Float(x) => out.extend_from_slice(&x.to_le_bytes()),
        FieldValue::Integer(x) => out.extend_from_slice(&x.to_le_bytes()),
        FieldValue::Unsigned(x) => out.extend_from_slice(&x.to_le_bytes()),
        FieldValue::Boolean(b) => out.push(*b as u8),
        FieldValue::String(s) => put_str(out, s),
        FieldValue::Sketch(s) => {
            let bytes = s.to_bytes();
            put_varint(out, bytes.len() as u64);
            out.extend_from_slice(&bytes);
        }
    }
}

/// Starts a write-batch record; the point count is patched by [`finish_header`].
pub fn begin(out: &mut Vec<u8>, db: &str, rp: &str) {
    out.clear();
    out.push(KIND_WRITE);
    put_str(out, db);
    put_str(out, rp);
}

pub fn put_point_header(
    out: &mut Vec<u8>,
    measurement: &str,
    key: &str,
    t: Timestamp,
    nfields: usize,
) {
    put_str(out, measurement);
    put_str(out, key);
    out.extend_from_slice(&t.to_le_bytes());
    put_varint(out, nfields as u64);
}

/// A decoded point of a record.
pub struct RecordPoint<'a> {
    pub measurement: &'a str,
    pub key: &'a str,
    pub timestamp: Timestamp,
    pub fields: Vec<(&'a str, FieldValue<'a>)>,
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn err(&self, what: &str) -> String {
        format!("malformed write record at byte {}: {what}", self.pos)
    }

    pub fn u8(&mut self) -> Result<u8, String> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.err("unexpected end"))?;
        self.pos += 1;
        Ok(b)
    }

    pub fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint too long"))
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err("length past end"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn eight(&mut self) -> Result<[u8; 8], String> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub fn str(&mut self) -> Result<&'a str, String> {
        let n = self.varint()? as usize;
        let b = self.bytes(n)?;
        std::str::from_utf8(b).map_err(|_| self.err("invalid UTF-8"))
    }

    /// The body of a delete record after its kind byte.
    pub fn delete(&mut self) -> Result<(&'a str, Vec<DeleteEntry>), String> {
        let db = self.str()?;
        let n = self.varint()? as usize;
        let mut entries = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let shard = self.varint()?;
            let measurement = self.str()?.to_string();
            let series = match self.u8()? {
                0 => None,
                1 => {
                    let len = self.varint()? as usize;
                    let b = self.bytes(len)?;
                    Some(
                        roaring::RoaringBitmap::deserialize_from(b)
                            .map_err(|e| self.err(&format!("series bitmap: {e}")))?,
                    )
                }
                x => return Err(self.err(&format!("bad series flag {x}"))),
            };
            let min = i64::from_le_bytes(self.eight()?);
            let max = i64::from_le_bytes(self.eight()?);
            entries.push(DeleteEntry {
                shard,
                measurement,
                series,
                min,
                max,
            });
        }
        Ok((db, entries))
    }

    pub fn point(&mut self) -> Result<RecordPoint<'a>, String> {
        let measurement = self.str()?;
        let key = self.str()?;
        let timestamp = i64::from_le_bytes(self.eight()?);
        let n = self.varint()? as usize;
        let mut fields = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let name = self.str()?;
            let ty =
                FieldType::from_u8(self.u8()?).ok_or_else(|| self.err("unknown field type"))?;
            let v = match ty {
                FieldType::Float => FieldValue::Float(f64::from_le_bytes(self.eight()?)),
                FieldType::Integer => FieldValue::Integer(i64::from_le_bytes(self.eight()?)),
                FieldType::Unsigned => FieldValue::Unsigned(u64::from_le_bytes(self.eight()?)),
                FieldType::Boolean => FieldValue::Boolean(self.u8()? != 0),
                FieldType::String => FieldValue::String(Cow::Borrowed(self.str()?)),
                FieldType::Sketch => {
                    let n = self.varint()? as usize;
                    let bytes = self.bytes(n)?;
                    let s = crate::sketch::Sketch::decode(bytes)
                        .map_err(|e| self.err(&format!("sketch field: {e}")))?;
                    FieldValue::Sketch(std::sync::Arc::new(s))
                }
            };
            fields.push((name, v));
        }
        Ok(RecordPoint {
            measurement,
            key,
            timestamp,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_records_round_trip_and_truncation_never_panics() {
        let entries = vec![
            DeleteEntry {
                shard: 7,
                measurement: "m".into(),
                series: Some(roaring::RoaringBitmap::from_iter([1u32, 9, 100_000])),
                min: i64::MIN,
                max: 5,
            },
            DeleteEntry {
                shard: 8,
                measurement: "n".into(),
                series: None,
                min: 0,
                max: i64::MAX,
            },
        ];
        let out = encode_delete("db", &entries);
        let mut r = Reader::new(&out);
        assert_eq!(r.u8().unwrap(), KIND_DELETE);
        assert_eq!(r.delete().unwrap(), ("db", entries));
        for cut in 1..out.len() {
            let mut r = Reader::new(&out[..cut]);
            r.u8().unwrap();
            assert!(r.delete().is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn round_trip_and_truncation_never_panics() {
        let mut out = Vec::new();
        begin(&mut out, "db", "autogen");
        put_varint(&mut out, 1);
        put_point_header(&mut out, "m", "m,t=a", -5, 3);
        put_field(&mut out, "f", &FieldValue::Float(1.5));
        put_field(&mut out, "s", &FieldValue::String("x\"y".into()));
        put_field(&mut out, "b", &FieldValue::Boolean(true));
        let mut r = Reader::new(&out);
        assert_eq!(r.u8().unwrap(), KIND_WRITE);
        assert_eq!(r.str().unwrap(), "db");
        assert_eq!(r.str().unwrap(), "autogen");
        assert_eq!(r.varint().unwrap(), 1);
        let p = r.point().unwrap();
        assert_eq!((p.measurement, p.key, p.timestamp), ("m", "m,t=a", -5));
        assert_eq!(p.fields[1].1, FieldValue::String("x\"y".into()));
        for cut in 0..out.len() {
            let mut r = Reader::new(&out[..cut]);
            let res = (|| -> Result<(), String> {
                r.u8()?;
                r.str()?;
                r.str()?;
                r.varint()?;
                r.point()?;
                Ok(())
            })();
            assert!(res.is_err());
        }
    }
}
