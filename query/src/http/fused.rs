//! A body that, once it has ended, keeps answering "ended" instead of polling its inner body again.
//!
//! Invariants:
//! 1. After the inner body returned `Ready(None)` it is dropped and never polled again;
//!    `is_end_stream` is then true.
//!
//! `http_body_util::channel::Channel` panics when polled after its end (its error oneshot is polled
//! again); wrappers such as the response compression layer poll once more after the end.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::HttpBody;

/// Wraps an `Unpin` body; `poll_frame` after the end returns `Ready(None)`.
pub(crate) struct Fused<B> {
    inner: Option<B>,
}

impl<B> Fused<B> {
    pub(crate) fn new(inner: B) -> Fused<B> {
        Fused { inner: Some(inner) }
    }
}

impl<B: HttpBody + Unpin> HttpBody for Fused<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            self.inner = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    /// The channel body ends, and polling again answers the end again instead of panicking.
    #[tokio::test]
    async fn a_channel_body_can_be_polled_after_its_end() {
        let (mut tx, body) =
            http_body_util::channel::Channel::<bytes::Bytes, std::convert::Infallible>::new(1);
        let mut body = Fused::new(body);
        tokio::spawn(async move {
            let _ = tx.send_data(bytes::Bytes::from_static(b"x")).await;
        });
        let first = body.frame().await.map(|f| f.map(|f| f.into_data().ok()));
        assert!(matches!(first, Some(Ok(Some(ref b))) if b.as_ref() == b"x"));
        assert!(body.frame().await.is_none());
        assert!(body.frame().await.is_none());
        assert!(body.is_end_stream());
    }
}
