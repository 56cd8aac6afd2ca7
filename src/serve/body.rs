//! Bodies: an upload read under its idle and total timeouts, a download streamed from its file
//! with the job's folder removed before the last bytes leave (or as soon as the body is dropped),
//! and every answer counted for the log line.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Why an upload was cut short, shared between its body and the handler that answers.
#[derive(Default)]
pub struct Stall(AtomicU8);

impl Stall {
    const IDLE: u8 = 1;
    const TOTAL: u8 = 2;

    /// `Some(true)` when nothing came for the idle time, `Some(false)` when the total time ran out.
    pub fn idle(&self) -> Option<bool> {
        match self.0.load(Ordering::Relaxed) {
            Self::IDLE => Some(true),
            Self::TOTAL => Some(false),
            _ => None,
        }
    }
}

/// A request body that fails once nothing has arrived for `idle`, or once `total` has passed
/// since the request began.
pub struct Timed {
    inner: Body,
    idle: Duration,
    deadline: Instant,
    timer: Pin<Box<Sleep>>,
    stall: Arc<Stall>,
}

impl Timed {
    pub fn new(inner: Body, idle: Duration, total: Duration, stall: Arc<Stall>) -> Timed {
        let now = Instant::now();
        let deadline = now + total;
        Timed {
            inner,
            idle,
            deadline,
            timer: Box::pin(tokio::time::sleep_until((now + idle).min(deadline))),
            stall,
        }
    }

    fn stalled(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let total = Instant::now() >= self.deadline;
        let code = if total { Stall::TOTAL } else { Stall::IDLE };
        self.stall.0.store(code, Ordering::Relaxed);
        Poll::Ready(Some(Err(axum::Error::new("upload timed out"))))
    }
}

impl HttpBody for Timed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let now = Instant::now();
                if now >= this.deadline && matches!(frame, Some(Ok(_))) {
                    return this.stalled();
                }
                this.timer.as_mut().reset((now + this.idle).min(this.deadline));
                Poll::Ready(frame)
            }
            Poll::Pending => {
                ready!(this.timer.as_mut().poll(cx));
                this.stalled()
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A file sent as the answer, chunk by chunk. The folder it sits in (the job's) is removed
/// before the last chunk is handed on, or in the background when the body is dropped early
/// (the client left).
pub struct FileDownload {
    file: Option<tokio::fs::File>,
    remaining: u64,
    buf: Box<[u8]>,
    folder: Option<tempfile::TempDir>,
    /// The last chunk, held while the folder is being removed.
    last: Option<(Bytes, tokio::task::JoinHandle<()>)>,
}

impl FileDownload {
    /// Open `path` (inside `folder`) to be sent; `folder` goes when the body does.
    pub async fn open(path: &std::path::Path, folder: tempfile::TempDir) -> std::io::Result<FileDownload> {
        let file = tokio::fs::File::open(path).await?;
        let remaining = file.metadata().await?.len();
        Ok(FileDownload {
            file: Some(file),
            remaining,
            buf: vec![0u8; 64 * 1024].into_boxed_slice(),
            folder: Some(folder),
            last: None,
        })
    }
}

/// Remove a job's folder on a blocking thread (after closing the file read from it).
fn remove(
    file: Option<tokio::fs::File>,
    folder: Option<tempfile::TempDir>,
) -> Option<tokio::task::JoinHandle<()>> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    Some(handle.spawn(async move {
        if let Some(file) = file {
            // Waits for a read still in flight, so the file is closed before its folder goes.
            drop(file.into_std().await);
        }
        let _ = tokio::task::spawn_blocking(move || drop(folder)).await;
    }))
}

impl HttpBody for FileDownload {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        if let Some((_, removing)) = &mut this.last {
            let _ = ready!(Pin::new(removing).poll(cx));
            return Poll::Ready(this.last.take().map(|(bytes, _)| Ok(Frame::data(bytes))));
        }
        let Some(file) = this.file.as_mut() else {
            return Poll::Ready(None);
        };
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let mut read = ReadBuf::new(&mut this.buf);
        ready!(Pin::new(file).poll_read(cx, &mut read))?;
        let n = read
            .filled()
            .len()
            .min(usize::try_from(this.remaining).unwrap_or(usize::MAX));
        if n == 0 {
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the answer's file ended early",
            ))));
        }
        this.remaining = this.remaining.saturating_sub(n as u64);
        let bytes = Bytes::copy_from_slice(&this.buf[..n]);
        if this.remaining > 0 {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        // All read: the folder goes before the last chunk does.
        match remove(this.file.take(), this.folder.take()) {
            Some(removing) => {
                this.last = Some((bytes, removing));
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            None => Poll::Ready(Some(Ok(Frame::data(bytes)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0 && self.last.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        let last = self.last.as_ref().map_or(0, |(b, _)| b.len() as u64);
        SizeHint::with_exact(self.remaining.saturating_add(last))
    }
}

impl Drop for FileDownload {
    fn drop(&mut self) {
        let (file, folder) = (self.file.take(), self.folder.take());
        if file.is_some() || folder.is_some() {
            // Outside a runtime (it is stopping) both are dropped here, the folder removed at once.
            let _ = remove(file, folder);
        }
    }
}

/// One request's log line: method, path, status, bytes sent, milliseconds. Written when the
/// answer has been sent, or when the client left first (then marked so).
pub struct LogLine {
    method: String,
    path: String,
    started: std::time::Instant,
    written: bool,
}

impl LogLine {
    pub fn new(method: &str, path: &str) -> LogLine {
        LogLine {
            method: method.to_string(),
            path: path.to_string(),
            started: std::time::Instant::now(),
            written: false,
        }
    }

    fn write(&mut self, status: Option<u16>, sent: Option<u64>, complete: bool) {
        if self.written {
            return;
        }
        self.written = true;
        let status = status.map_or("499".to_string(), |s| s.to_string());
        let sent = sent.map_or("-".to_string(), |s| s.to_string());
        let left = if complete { "" } else { "（客户端已断开）" };
        eprintln!(
            "{} {} {status} {sent} {} ms{left}",
            self.method,
            self.path,
            self.started.elapsed().as_millis()
        );
    }

    /// The answer's body, counted and logged when it is done or dropped.
    pub fn answer(self, status: u16, body: Body) -> Body {
        Body::new(Logged {
            inner: body,
            line: self,
            status,
            sent: 0,
            finished: false,
        })
    }
}

impl Drop for LogLine {
    /// The request was dropped before it had an answer: the client left.
    fn drop(&mut self) {
        self.write(None, None, false);
    }
}

struct Logged {
    inner: Body,
    line: LogLine,
    status: u16,
    sent: u64,
    finished: bool,
}

impl HttpBody for Logged {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &frame {
            Some(Ok(f)) => {
                if let Some(data) = f.data_ref() {
                    this.sent = this.sent.saturating_add(data.len() as u64);
                }
            }
            None => this.finished = true,
            Some(Err(_)) => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let complete = self.finished || self.inner.is_end_stream();
        self.line.write(Some(self.status), Some(self.sent), complete);
    }
}
