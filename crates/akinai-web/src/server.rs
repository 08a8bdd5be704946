//! The HTTP server loop: accepts connections with their peer address, bounds how many are open
//! at once (beyond that a new connection is closed at once rather than queued), gives every
//! client a deadline to send its request headers (slow-loris), limits the header buffer, and
//! shuts down gracefully. With [`serve_tls`] the same loop terminates TLS itself (see
//! [`crate::tls`]); the TLS handshake must also finish within the header deadline, and a client
//! that chose HTTP/2 by ALPN is served HTTP/2 (at most [`H2_STREAMS`] requests at a time per
//! connection, the same header size limit), anyone else HTTP/1.1.
//!
//! With [`ServerLimits::threads`] set (the storefront's listener), connections are served by
//! that many threads, each running a single-threaded runtime of its own, as nginx runs one
//! process per core: the accepting task hands each new connection to the thread serving the
//! fewest, and a connection then stays on its thread, so requests never wake another thread
//! or move between threads (ADR 052). Without it, connections are served on the caller's
//! runtime (the admin, metrics and redirect listeners).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::tls::CertStore;

/// Requests one HTTP/2 connection may have open at once.
pub const H2_STREAMS: u32 = 64;

/// Connection-level limits.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Open connections at most; further ones are closed on accept.
    pub max_connections: usize,
    /// Time a client has to send its complete request headers.
    pub header_read_timeout: Duration,
    /// Largest buffer for a request's headers (hyper's minimum is 8 KiB).
    pub max_header_bytes: usize,
    /// How long shutdown waits for open requests.
    pub shutdown_grace: Duration,
    /// Threads of their own serving the connections; 0: the caller's runtime serves them.
    pub threads: usize,
    /// Called on each of those threads as it starts and whenever it has nothing to do (about to
    /// sleep) or ends (the log gathers a thread's lines in between, ADR 053).
    pub thread_hooks: Option<ThreadHooks>,
}

/// What a connection thread calls at its start and when it is idle or ends.
#[derive(Debug, Clone, Copy)]
pub struct ThreadHooks {
    pub start: fn(),
    pub idle: fn(),
}

/// Threads for the storefront's connections: one per core the process may use.
pub fn threads_per_core() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 32 * 1024,
            shutdown_grace: Duration::from_secs(10),
            threads: 0,
            thread_hooks: None,
        }
    }
}

/// Serves `app` over plain HTTP on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) {
    serve_with(listener, app, limits, None, shutdown).await;
}

/// How often the certificate files are checked for a renewal.
const CERT_CHECK_INTERVAL: Duration = Duration::from_secs(60);

/// Serves `app` over HTTPS with the certificate in `certs` until `shutdown` completes.
pub async fn serve_tls(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    certs: Arc<CertStore>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), crate::tls::TlsError> {
    let acceptor = certs.acceptor()?;
    let reloader = tokio::spawn(async move {
        let mut every = tokio::time::interval(CERT_CHECK_INTERVAL);
        loop {
            every.tick().await;
            if let Err(e) = certs.reload_if_changed() {
                tracing::error!(error = %e, "renewed TLS certificate not usable; keeping the old one");
            }
        }
    });
    serve_with(listener, app, limits, Some(acceptor), shutdown).await;
    reloader.abort();
    Ok(())
}

async fn serve_with(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut threads = Vec::new();
    for n in 0..limits.threads {
        match Worker::start(n, app.clone(), limits, tls.clone()) {
            Ok(worker) => threads.push(worker),
            Err(e) => tracing::error!(error = %e, "cannot start a connection thread"),
        }
    }
    let here = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(client = %peer, "connection limit reached; closing new connection");
            drop(stream);
            continue;
        };
        let accepted = Accepted { peer, slot };
        let least_busy = threads
            .iter()
            .min_by_key(|w| w.open.load(Ordering::Relaxed));
        match least_busy {
            Some(worker) => worker.hand_over(stream, accepted),
            None => {
                tokio::spawn(accepted.serve(stream, app.clone(), limits, tls.clone(), &here));
            }
        }
    }
    let done: Vec<_> = threads.into_iter().map(Worker::finish).collect();
    let everything = async {
        here.shutdown().await;
        for d in done {
            let _ = d.await;
        }
    };
    tokio::select! {
        () = everything => {}
        () = tokio::time::sleep(limits.shutdown_grace) => tracing::warn!("shutdown grace period over; closing open connections"),
    }
}

/// An accepted connection: who sent it and its place among the open connections.
struct Accepted {
    peer: SocketAddr,
    slot: OwnedSemaphorePermit,
}

impl Accepted {
    /// Serves the connection on the current runtime (TLS first, if the listener has it).
    fn serve<S>(
        self,
        stream: S,
        app: Router,
        limits: ServerLimits,
        tls: Option<TlsAcceptor>,
        graceful: &GracefulShutdown,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Accepted { peer, slot } = self;
        let service =
            tower::ServiceExt::map_request(app, move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req
            });
        let watcher = graceful.watcher();
        async move {
            let result = match tls {
                None => connection(stream, service, &limits, watcher, false).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream));
                    match handshake.await {
                        Ok(Ok(stream)) => connection(stream, service, &limits, watcher, true).await,
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(_) => Err("TLS handshake timed out".into()),
                    }
                }
            };
            if let Err(e) = result {
                tracing::debug!(client = %peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        }
    }
}

/// A thread serving connections on a single-threaded runtime of its own.
struct Worker {
    queue: tokio::sync::mpsc::UnboundedSender<(std::net::TcpStream, Accepted)>,
    /// Connections this thread serves now.
    open: Arc<AtomicUsize>,
    /// Completes when the thread has shut down its connections.
    done: tokio::sync::oneshot::Receiver<()>,
}

impl Worker {
    fn start(
        n: usize,
        app: Router,
        limits: ServerLimits,
        tls: Option<TlsAcceptor>,
    ) -> std::io::Result<Worker> {
        let mut builder = tokio::runtime::Builder::new_current_thread();
        builder.enable_all();
        if let Some(hooks) = limits.thread_hooks {
            builder.on_thread_park(hooks.idle);
        }
        let runtime = builder.build()?;
        let (queue, mut arrivals) =
            tokio::sync::mpsc::unbounded_channel::<(std::net::TcpStream, Accepted)>();
        let (finished, done) = tokio::sync::oneshot::channel();
        let open = Arc::new(AtomicUsize::new(0));
        let counted = open.clone();
        std::thread::Builder::new()
            .name(format!("akinai-http-{n}"))
            .spawn(move || {
                if let Some(hooks) = limits.thread_hooks {
                    (hooks.start)();
                }
                runtime.block_on(async move {
                    let graceful = GracefulShutdown::new();
                    // Ends when the accepting task stops handing over connections (shutdown).
                    while let Some((stream, accepted)) = arrivals.recv().await {
                        let stream = match tokio::net::TcpStream::from_std(stream) {
                            Ok(s) => s,
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot take over a connection");
                                counted.fetch_sub(1, Ordering::Relaxed);
                                continue;
                            }
                        };
                        let serving =
                            accepted.serve(stream, app.clone(), limits, tls.clone(), &graceful);
                        let counted = counted.clone();
                        tokio::spawn(async move {
                            serving.await;
                            counted.fetch_sub(1, Ordering::Relaxed);
                        });
                    }
                    graceful.shutdown().await;
                });
                if let Some(hooks) = limits.thread_hooks {
                    (hooks.idle)();
                }
                let _ = finished.send(());
            })?;
        Ok(Worker { queue, open, done })
    }

    /// Gives the thread a connection to serve.
    fn hand_over(&self, stream: tokio::net::TcpStream, accepted: Accepted) {
        // Taken off this runtime's reactor; the thread registers it with its own.
        match stream.into_std() {
            Ok(stream) => {
                self.open.fetch_add(1, Ordering::Relaxed);
                if self.queue.send((stream, accepted)).is_err() {
                    self.open.fetch_sub(1, Ordering::Relaxed);
                    tracing::warn!("a connection thread has stopped; connection closed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot hand over a connection"),
        }
    }

    /// Stops handing over connections; the returned receiver completes when the thread's open
    /// connections have ended.
    fn finish(self) -> tokio::sync::oneshot::Receiver<()> {
        drop(self.queue);
        self.done
    }
}

/// Serves one connection: HTTP/1.1 with the header deadline and buffer limit and, when `h2`
/// (a TLS connection whose client chose it by ALPN), HTTP/2 with at most [`H2_STREAMS`]
/// requests at a time and the same header size limit.
async fn connection<I, S>(
    io: I,
    service: S,
    limits: &ServerLimits,
    watcher: Watcher,
    h2: bool,
) -> Result<(), String>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: tower::Service<hyper::Request<Incoming>, Response = axum::response::Response>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: std::error::Error + Send + Sync + 'static,
{
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    if h2 {
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(H2_STREAMS)
            .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .keep_alive_timeout(Duration::from_secs(10));
    } else {
        builder = builder.http1_only();
    }
    let connection = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    watcher.watch(connection).await.map_err(|e| e.to_string())
}
