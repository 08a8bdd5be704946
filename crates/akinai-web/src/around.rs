//! Middleware whose work is done just before and just after the inner service, with nothing to
//! wait for: the security headers ([`crate::security::HeaderWork`]) and the note of the matched
//! route ([`crate::metrics::MarkRoute`]).
//!
//! `axum::middleware::from_fn` clones the service below it and boxes a future on every request,
//! because its function may await anything. These two await nothing of their own, so
//! [`Around`] calls the inner service directly and finishes the response in the inner
//! future's own poll: no clone, no allocation per request (ADR 052).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};

/// The work of an [`Around`] middleware.
pub trait Work: Clone + Send + Sync + 'static {
    /// What `before` hands to `after`.
    type Carry: Send + 'static;
    /// Looks at (and may change) the request; a response in the second place answers it at
    /// once, without the inner service (it still goes through `after`).
    fn before(&self, request: &mut Request) -> (Self::Carry, Option<Response>);
    /// Finishes the response.
    fn after(carry: Self::Carry, response: &mut Response);
}

/// The layer of an [`Around`] middleware.
#[derive(Clone)]
pub struct AroundLayer<W>(pub W);

impl<S, W: Work> tower::Layer<S> for AroundLayer<W> {
    type Service = Around<S, W>;

    fn layer(&self, inner: S) -> Around<S, W> {
        Around {
            inner,
            work: self.0.clone(),
        }
    }
}

/// The service: `work.before`, the inner service, `work.after`.
#[derive(Clone)]
pub struct Around<S, W> {
    inner: S,
    work: W,
}

impl<S, W> tower::Service<Request> for Around<S, W>
where
    S: tower::Service<Request, Error = Infallible>,
    S::Response: IntoResponse,
    W: Work,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AroundFuture<S::Future, W>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let (carry, answered) = self.work.before(&mut request);
        let inner = match answered {
            Some(_) => None,
            None => Some(self.inner.call(request)),
        };
        AroundFuture {
            inner,
            answered,
            carry: Some(carry),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, finished by [`Work::after`].
    pub struct AroundFuture<F, W: Work> {
        #[pin]
        inner: Option<F>,
        answered: Option<Response>,
        carry: Option<W::Carry>,
    }
}

impl<F, R, W> Future for AroundFuture<F, W>
where
    F: Future<Output = Result<R, Infallible>>,
    R: IntoResponse,
    W: Work,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.as_pin_mut() {
            Some(inner) => match inner.poll(cx) {
                Poll::Ready(Ok(response)) => response.into_response(),
                Poll::Ready(Err(never)) => match never {},
                Poll::Pending => return Poll::Pending,
            },
            None => this.answered.take().unwrap_or_default(),
        };
        if let Some(carry) = this.carry.take() {
            W::after(carry, &mut response);
        }
        Poll::Ready(Ok(response))
    }
}
