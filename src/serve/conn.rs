//! Connections: the accept loop on hyper's HTTP/1 server with the timeouts axum's own `serve`
//! cannot set — the time a request's headers may take (which is also how long an idle kept-alive
//! connection stays open), how long a client may read nothing of an answer — and a lingering
//! close, so a client still sending a body that will not be read hears the early refusal
//! (401, 403, 413, 503) instead of a connection reset.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::service::Service as HyperService;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// The timeouts every connection gets.
#[derive(Clone, Copy)]
pub struct Timeouts {
    /// Longest wait for a request's headers (also for the next request on a kept-alive
    /// connection), and longest a write of the answer may wait for the client to read.
    pub idle: Duration,
    /// After the answer, how much of an unread request body is read and discarded so the
    /// client can finish sending and read the answer.
    pub linger_bytes: u64,
}

/// How long a closing connection keeps discarding what the client still sends, in all and
/// without any byte arriving.
const LINGER: Duration = Duration::from_secs(10);
const LINGER_IDLE: Duration = Duration::from_secs(2);
/// How long a stopping server waits for its connections to finish their requests.
const GRACE: Duration = Duration::from_secs(10);

/// Accept connections until `shutdown` resolves, then let the open ones finish (at most
/// [`GRACE`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, router.clone(), timeouts, stopping.clone()));
                }
                // Out of file descriptors and the like: wait instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let _ = tokio::time::timeout(GRACE, async { while connections.join_next().await.is_some() {} }).await;
}

/// hyper's connection wants a service whose future is `Unpin` to hand the socket back.
#[derive(Clone)]
struct Boxed(TowerToHyperService<Router>);

impl HyperService<hyper::Request<Incoming>> for Boxed {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        Box::pin(self.0.call(request))
    }
}

async fn connection(
    stream: TcpStream,
    router: Router,
    timeouts: Timeouts,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let io = TokioIo::new(WriteTimeout::new(stream, timeouts.idle));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.idle);
    let mut conn = builder.serve_connection(io, Boxed(TowerToHyperService::new(router)));
    let mut asked_to_stop = *stopping.borrow();
    if asked_to_stop {
        Pin::new(&mut conn).graceful_shutdown();
    }
    let done = loop {
        tokio::select! {
            done = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => break done,
            _ = stopping.changed(), if !asked_to_stop => {
                asked_to_stop = true;
                Pin::new(&mut conn).graceful_shutdown();
            }
        }
    };
    // An error (the client left, a timeout) ends the connection at once; a finished one closes
    // after lingering.
    if done.is_ok() {
        let stream = conn.into_parts().io.into_inner().stream;
        linger(stream, timeouts.linger_bytes).await;
    }
}

/// Close politely: send what is left and a FIN, then read and discard what the client still
/// sends (the body of a request answered without reading it) until it closes, for at most
/// [`LINGER`] and `max` bytes. Closing at once with unread bytes would make the kernel answer
/// with a reset, and a client still sending would see that instead of the answer.
async fn linger(mut stream: TcpStream, max: u64) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = Instant::now() + LINGER;
    let mut buf = vec![0u8; 64 * 1024];
    let mut drained = 0u64;
    while drained < max {
        let wait = LINGER_IDLE.min(deadline.saturating_duration_since(Instant::now()));
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => drained = drained.saturating_add(n as u64),
            _ => return,
        }
    }
}

/// A socket whose writes fail once the client has read nothing for `idle`: a client that stops
/// reading an answer cannot hold its connection (and the answer's temporary folder) forever.
/// Reads are not timed here: while a check runs, hyper keeps a read pending to notice a client
/// that leaves, and the upload's own timeouts are on the request body.
struct WriteTimeout {
    stream: TcpStream,
    idle: Duration,
    /// Armed while a write waits.
    timer: Pin<Box<Sleep>>,
    armed: bool,
}

impl WriteTimeout {
    fn new(stream: TcpStream, idle: Duration) -> WriteTimeout {
        WriteTimeout {
            stream,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            armed: false,
        }
    }

    /// What a write returned, with the timer disarmed on progress and armed while waiting.
    fn timed<T>(&mut self, cx: &mut Context<'_>, poll: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        if poll.is_ready() {
            self.armed = false;
            return poll;
        }
        if !self.armed {
            self.armed = true;
            let deadline = Instant::now() + self.idle;
            self.timer.as_mut().reset(deadline);
        }
        ready!(self.timer.as_mut().poll(cx));
        self.armed = false;
        Poll::Ready(Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the client read nothing of the answer",
        )))
    }
}

impl AsyncRead for WriteTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.timed(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.timed(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.timed(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_shutdown(cx);
        self.timed(cx, poll)
    }
}
