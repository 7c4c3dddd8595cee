//! Request bodies: reading under the size limit, and gunzipping under the same limit.
//!
//! Invariants:
//! 1. At most `max + one frame` bytes are ever buffered from the connection, and at most `max + 1`
//!    decompressed bytes: a larger body answers 413 instead of growing memory.
//! 2. `max == 0` disables the limit (InfluxDB's `max-body-size = 0`).

use std::io::Read;

use axum::body::Body;
use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

use super::error::WriteHttpError;

/// True when the body is gzip-encoded: `Content-Encoding` is exactly `gzip` (InfluxDB compares the
/// string as is).
pub fn is_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"gzip")
}

/// Reads the whole body (chunked or not), refusing with 413 once `Content-Length` or the bytes read
/// pass `max`.
pub async fn read_limited(
    headers: &HeaderMap,
    mut body: Body,
    max: usize,
) -> Result<Bytes, WriteHttpError> {
    let limit = if max == 0 { usize::MAX } else { max };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = declared
        && len > limit as u64
    {
        return Err(WriteHttpError::TooLarge);
    }
    let mut buf = BytesMut::with_capacity(declared.map_or(0, |l| l as usize).min(limit));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| WriteHttpError::BodyRead(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if buf.len().saturating_add(data.len()) > limit {
                return Err(WriteHttpError::TooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

/// Most bytes of an unread request body [`drain_unread`] consumes (Go's `net/http` drains up to
/// 256 KiB after a handler returned, so the connection stays usable).
pub const DRAIN_LIMIT: usize = 256 * 1024;

/// Reads and discards up to [`DRAIN_LIMIT`] bytes of a body a refused request never read, so
/// hyper can keep the connection alive: a keep-alive client (the Python v2 client after a 404)
/// would otherwise reuse a connection the server closes and fail with "remote end closed".
pub async fn drain_unread(mut body: Body) {
    let mut seen = 0usize;
    while seen <= DRAIN_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
}

/// Gunzips `raw` (multi-member streams included, as Go's `gzip.Reader`), refusing with 413 once the
/// decompressed size passes `max`. Error texts follow Go's `compress/gzip`.
pub fn gunzip_limited(raw: &[u8], max: usize) -> Result<Vec<u8>, WriteHttpError> {
    match raw {
        [] => return Err(WriteHttpError::Gzip("EOF".to_string())),
        [0x1f] => return Err(WriteHttpError::Gzip("unexpected EOF".to_string())),
        [0x1f, 0x8b, ..] if raw.len() >= 3 && raw[2] == 8 => {}
        [0x1f, 0x8b] => return Err(WriteHttpError::Gzip("unexpected EOF".to_string())),
        _ => return Err(WriteHttpError::Gzip("gzip: invalid header".to_string())),
    }
    let limit = if max == 0 { u64::MAX - 1 } else { max as u64 };
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(limit as usize));
    let decoder = flate2::read::MultiGzDecoder::new(raw);
    match decoder.take(limit + 1).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(WriteHttpError::TooLarge),
        Ok(_) => Ok(out),
        Err(e) => Err(WriteHttpError::Gzip(gzip_error_text(&e))),
    }
}

fn gzip_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "unexpected EOF".to_string()
    } else if text.contains("checksum") {
        "gzip: invalid checksum".to_string()
    } else if text.contains("header") {
        "gzip: invalid header".to_string()
    } else {
        format!("flate: {text}")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use axum::http::HeaderValue;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap_or_default();
        enc.finish().unwrap_or_default()
    }

    #[test]
    fn gzip_header_is_exact() {
        let mut h = HeaderMap::new();
        assert!(!is_gzip(&h));
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(is_gzip(&h));
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        assert!(!is_gzip(&h));
    }

    #[test]
    fn gunzip_round_trips_and_concatenated_members() {
        let mut two = gzip(b"m f=1 1\n");
        two.extend(gzip(b"m f=2 2\n"));
        assert_eq!(
            gunzip_limited(&two, 1000).ok(),
            Some(b"m f=1 1\nm f=2 2\n".to_vec())
        );
    }

    #[test]
    fn gunzip_limit_applies_to_decompressed_size() {
        let data = vec![b'a'; 10_000];
        let z = gzip(&data);
        assert!(z.len() < 1000);
        assert!(matches!(
            gunzip_limited(&z, 9_999),
            Err(WriteHttpError::TooLarge)
        ));
        assert_eq!(
            gunzip_limited(&z, 10_000).ok().map(|v| v.len()),
            Some(10_000)
        );
        assert_eq!(gunzip_limited(&z, 0).ok().map(|v| v.len()), Some(10_000));
    }

    #[test]
    fn gunzip_errors_use_go_texts() {
        let text = |r: Result<Vec<u8>, WriteHttpError>| r.err().map(|e| e.to_string());
        assert_eq!(
            text(gunzip_limited(b"m f=1 1", 100)).as_deref(),
            Some("gzip: invalid header")
        );
        assert_eq!(text(gunzip_limited(b"", 100)).as_deref(), Some("EOF"));
        let z = gzip(b"m f=1 1\n");
        assert_eq!(
            text(gunzip_limited(&z[..z.len() - 4], 100)).as_deref(),
            Some("unexpected EOF")
        );
        let mut bad_crc = z.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 0xff;
        assert_eq!(
            text(gunzip_limited(&bad_crc, 100)).as_deref(),
            Some("gzip: invalid checksum")
        );
    }

    #[tokio::test]
    async fn drain_unread_consumes_a_small_body_and_stops_on_a_large_one() {
        let small = Body::from(vec![b'x'; 1000]);
        drain_unread(small).await;
        let (mut tx, body) =
            http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
        let sender = tokio::spawn(async move {
            let mut sent = 0usize;
            // The sender would block forever on a full channel once the drain stopped reading.
            while sent <= 4 * DRAIN_LIMIT {
                if tx
                    .send_data(Bytes::from(vec![0u8; 64 * 1024]))
                    .await
                    .is_err()
                {
                    break;
                }
                sent += 64 * 1024;
            }
            sent
        });
        drain_unread(Body::new(body)).await;
        let sent = sender.await.expect("sender");
        assert!(
            sent > DRAIN_LIMIT && sent <= DRAIN_LIMIT + 2 * 64 * 1024,
            "sent {sent}"
        );
    }

    #[tokio::test]
    async fn read_limited_checks_content_length_and_bytes_read() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("11"));
        let r = read_limited(&h, Body::from("0123456789a"), 10).await;
        assert!(matches!(r, Err(WriteHttpError::TooLarge)));
        // No Content-Length (chunked): the bytes read count.
        let r = read_limited(&HeaderMap::new(), Body::from("0123456789a"), 10).await;
        assert!(matches!(r, Err(WriteHttpError::TooLarge)));
        let r = read_limited(&HeaderMap::new(), Body::from("0123456789"), 10).await;
        assert_eq!(r.ok().as_deref(), Some(&b"0123456789"[..]));
        let r = read_limited(&HeaderMap::new(), Body::from("0123456789a"), 0).await;
        assert_eq!(r.ok().map(|b| b.len()), Some(11));
    }
}
