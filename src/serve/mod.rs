//! Front end: `jixiao serve`, one page and an HTTP API for people who do not use a terminal
//! (README.md, "The web page"). It only translates requests into the library calls the CLI
//! makes — [`run::check_each`] and [`run::fix_each`] on the uploaded files in a private
//! temporary folder — so its report is byte for byte the one `check --json` prints and its zip
//! holds exactly what `fix -o OUT` writes. Nothing is kept: the folder goes with the response.
//!
//! Safety (docs/serve.md): loopback by default; any other address needs a token
//! (`Authorization: Bearer`); a request whose `Host` is not the address served, or whose
//! `Origin` is another site, is refused (DNS rebinding, cross-site posts); no CORS header;
//! security headers on every answer; uploads are streamed to disk under sanitised names that
//! cannot leave the folder, under a size limit and idle and total timeouts, before the request
//! waits for one of the `jobs` (so a slow upload holds no job); the CPU work runs on blocking
//! threads and owns its folder, job and progress entry, so a client that leaves cannot leak them
//! (the work stops at its next file); a download is streamed from a file in the job's folder.
//!
//! Why ~1,000 lines (of which 35 are tests): the router, its guards (token, Host, Origin, queue),
//! the job's lifecycle and /api/info share `App` and the refusal type; the connection, the response
//! body and the uploads are files of their own.

mod body;
mod conn;
mod upload;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::report::{FileReport, JsonStream};
use crate::run::{self, Options, Progress};

/// The page, compiled into the binary (no outside network is ever needed).
const PAGE: &str = include_str!("page.html");

/// How the server is configured (`jixiao serve` flags).
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Required on every API request when set; mandatory beyond loopback.
    pub token: Option<String>,
    /// Host names (besides the address itself) the server answers to, e.g. an intranet name.
    pub allowed_hosts: Vec<String>,
    /// Largest upload, in bytes (all files together).
    pub max_upload_bytes: usize,
    pub max_files: usize,
    /// Checks run at once; the others wait.
    pub jobs: usize,
    /// Requests that may be admitted beyond the running jobs (uploading or waiting for a job);
    /// beyond them, 503 at once.
    pub queue: usize,
    /// An upload that sends nothing for this long is refused (408); also the longest wait for a
    /// request's headers and for a client to read any of its answer.
    pub idle_timeout: Duration,
    /// The longest an upload may take as a whole (408 beyond).
    pub upload_timeout: Duration,
    /// The settings and reading limits every request starts from (a request's parameters go
    /// on top, through [`crate::options::for_request`]).
    pub options: Options,
    /// Where each request's private folder is made (the system's temporary folder).
    pub temp_root: PathBuf,
}

impl Config {
    pub fn new(listen: SocketAddr) -> Config {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            listen,
            token: None,
            allowed_hosts: Vec::new(),
            max_upload_bytes: 200 << 20,
            max_files: 5_000,
            jobs: cores,
            queue: cores.saturating_mul(4),
            idle_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(600),
            options: Options::default(),
            temp_root: std::env::temp_dir(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("监听 {0} 以外的地址（非本机回环地址）时必须设置访问口令：--token 或环境变量 JIXIAO_TOKEN")]
    TokenRequired(SocketAddr),
    #[error("访问口令不能以空白开头或结尾，也不能含控制字符")]
    BadToken,
    #[error("无法监听 {addr}：{source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("无法启动服务：{0}")]
    Runtime(std::io::Error),
}

/// Shared by every request.
struct App {
    config: Config,
    /// Host header values accepted; empty when any is (an unspecified listen address with a token).
    hosts: Vec<String>,
    /// The SHA-256 of the token: what a given token's digest is compared with.
    token: Option<[u8; 32]>,
    jobs: Arc<Semaphore>,
    /// Requests past the guard that are uploading, waiting for a job or running one.
    admitted: AtomicUsize,
    progress: Mutex<HashMap<String, Arc<JobProgress>>>,
    /// The page's Content-Security-Policy: its inline script and style by their hashes.
    page_policy: HeaderValue,
}

/// How busy a running server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Jobs running (at most `Config::jobs`).
    pub jobs: usize,
    /// Check and fix requests admitted: uploading, waiting for a job or running one.
    pub requests: usize,
}

/// A running server (started by [`start`]): its address; dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Stop the server and wait for it to finish its requests.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Jobs running and requests admitted now.
    pub fn busy(&self) -> Busy {
        let jobs = self.app.config.jobs.max(1);
        Busy {
            jobs: jobs.saturating_sub(self.app.jobs.available_permits()),
            requests: self.app.admitted.load(Ordering::SeqCst),
        }
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Start the server on its own thread (tests, embedding); returns once it listens.
pub fn start(config: Config) -> Result<Running, ServeError> {
    let runtime = runtime()?;
    let listener = runtime.block_on(bind(&config))?;
    let addr = listener.local_addr().map_err(ServeError::Runtime)?;
    let app = App::new(config, addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (router, timeouts) = (router(app.clone()), app.timeouts());
    let thread = std::thread::spawn(move || {
        runtime.block_on(conn::serve(listener, router, timeouts, async {
            let _ = stopped.await;
        }));
    });
    Ok(Running {
        addr,
        app,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Serve until Ctrl-C (`jixiao serve`); `ready` is told the address once it listens.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    // A server's memory stays flat on the system allocator, not on mimalloc (`crate::alloc`).
    crate::alloc::use_system_allocator();
    steady_memory();
    let runtime = runtime()?;
    runtime.block_on(async move {
        let listener = bind(&config).await?;
        let addr = listener.local_addr().map_err(ServeError::Runtime)?;
        let app = App::new(config, addr);
        ready(addr);
        conn::serve(listener, router(app.clone()), app.timeouts(), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(())
    })
}

/// glibc's malloc, left to itself, keeps much of what a job freed: it raises its mmap threshold
/// to the largest block freed so far (so later large buffers come from the heap and stay), and
/// trims only the top of a heap. A server that runs for weeks then holds several times the
/// memory its jobs need (the soak test in docs/serve.md). Fixed here: a fixed mmap threshold
/// and at most two arenas for the process ([`steady_memory`], `jixiao serve` only), and what a
/// job freed given back when it ends ([`give_back_memory`]). The Windows heap needs
/// neither.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn steady_memory() {
    // SAFETY: mallopt only sets a malloc parameter; it is called before any worker thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        // One arena per core pair, not up to eight per core: the blocking pool's threads come
        // and go, and each new arena kept some of what its thread freed (soak test: the ratio
        // of RSS at the end to after the first 100 requests fell from 1.29 to 1.17).
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn give_back_memory() {
    // SAFETY: malloc_trim releases free pages of the heaps; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn steady_memory() {}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back_memory() {}

fn runtime() -> Result<tokio::runtime::Runtime, ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)
}

async fn bind(config: &Config) -> Result<tokio::net::TcpListener, ServeError> {
    if !config.listen.ip().is_loopback() && config.token.as_deref().is_none_or(str::is_empty) {
        return Err(ServeError::TokenRequired(config.listen));
    }
    if let Some(token) = &config.token
        && (token.trim() != token || token.chars().any(char::is_control))
    {
        return Err(ServeError::BadToken);
    }
    tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl App {
    fn new(config: Config, addr: SocketAddr) -> Arc<App> {
        let port = addr.port();
        let mut hosts: Vec<String> = if addr.ip().is_loopback() {
            // The address printed (also 127.0.0.2 and the like), and the usual loopback names.
            vec![
                addr.to_string(),
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ]
        } else if addr.ip().is_unspecified() {
            // Every interface: the name a unit uses is not known here; the token guards it.
            Vec::new()
        } else {
            vec![addr.to_string()]
        };
        if !hosts.is_empty() {
            hosts.extend(config.allowed_hosts.iter().flat_map(|h| {
                if h.contains(':') {
                    vec![h.clone()]
                } else {
                    vec![h.clone(), format!("{h}:{port}")]
                }
            }));
        }
        Arc::new(App {
            jobs: Arc::new(Semaphore::new(config.jobs.max(1))),
            admitted: AtomicUsize::new(0),
            progress: Mutex::new(HashMap::new()),
            token: config.token.as_deref().map(|t| sha256(t.as_bytes())),
            page_policy: page_policy(PAGE),
            hosts,
            config,
        })
    }

    fn timeouts(&self) -> conn::Timeouts {
        let limit = u64::try_from(self.config.max_upload_bytes).unwrap_or(u64::MAX);
        conn::Timeouts {
            idle: self.config.idle_timeout,
            linger_bytes: limit.saturating_mul(2).saturating_add(1 << 20),
        }
    }

    /// A `Host` (or an `Origin`'s host) that names this server.
    fn serves(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// An `Origin` of a page this server served: its host is the request's `Host` or one of the
    /// server's names.
    fn same_origin(&self, origin: &[u8], host: &str) -> bool {
        let Ok(origin) = std::str::from_utf8(origin) else {
            return false;
        };
        let Some(rest) = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
        else {
            return false; // also `null`: a sandboxed frame, a file, a redirect
        };
        !rest.is_empty() && !rest.contains('/') && (rest.eq_ignore_ascii_case(host) || self.serves(rest))
    }

    /// The token check: `Authorization: Bearer T` (the scheme in any case), T as sent or
    /// percent-decoded (the page encodes it, as a header cannot carry 口令), compared by their
    /// SHA-256 digests so the time taken tells nothing of the token, not even its length.
    fn authorized(&self, given: Option<&HeaderValue>) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let Some(given) = given.and_then(|h| bearer(h.as_bytes())) else {
            return false;
        };
        let decoded: Vec<u8> = percent_encoding::percent_decode(given).collect();
        // `|`, not `||`: both comparisons always run.
        digest_eq(&sha256(given), expected) | digest_eq(&sha256(&decoded), expected)
    }
}

/// The credentials of `Bearer <credentials>`, the scheme in any case.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.trim_ascii().split_at_checked(6)?;
    let separated = rest.first().is_some_and(|b| matches!(b, b' ' | b'\t'));
    (scheme.eq_ignore_ascii_case(b"bearer") && separated).then(|| rest.trim_ascii())
}

/// Two digests compared without an early exit.
fn digest_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The page's policy: nothing may load or run but its own inline script and style (allowed by
/// their SHA-256 hashes, so an injected script or style would not run), its data: icon, and
/// requests to this server; no frame may show it, no form may post anywhere.
fn page_policy(page: &str) -> HeaderValue {
    let hashes = |tag: &str| {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let mut out = Vec::new();
        let mut rest = page;
        while let Some(i) = rest.find(&open) {
            let after = &rest[i + open.len()..];
            let Some(j) = after.find(&close) else { break };
            let digest = base64::engine::general_purpose::STANDARD.encode(sha256(&after.as_bytes()[..j]));
            out.push(format!("'sha256-{digest}'"));
            rest = &after[j + close.len()..];
        }
        out.join(" ")
    };
    let policy = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        hashes("script"),
        hashes("style")
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(API_POLICY))
}

/// Every other answer (JSON, downloads) may load nothing and be framed by nothing.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn router(app: Arc<App>) -> Router {
    let limit = app.config.max_upload_bytes;
    Router::new()
        .route("/", get(page))
        .route("/api/info", get(info))
        .route("/api/progress", get(progress))
        .route("/api/check", post(check))
        .route("/api/fix", post(fix))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn_with_state(app.clone(), protect))
        .layer(middleware::from_fn(log))
        .with_state(app)
}

/// A refusal or a failure, before it is answered as [`error`].
struct Refusal {
    status: StatusCode,
    message: String,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

/// A JSON error in Chinese with its status.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    #[derive(Serialize)]
    struct Body {
        error: String,
    }
    let body = Body {
        error: message.into(),
    };
    (status, axum::Json(body)).into_response()
}

/// Before anything is read: the `Host` and `Origin` checks, the token, the declared size.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !app.hosts.is_empty() && !app.serves(host) {
        return error(
            StatusCode::FORBIDDEN,
            format!("拒绝访问：请求的主机名 {host} 不是本服务的地址"),
        );
    }
    // A browser names the page a request comes from: another site's page may not post here.
    if let Some(origin) = headers.get(header::ORIGIN)
        && !app.same_origin(origin.as_bytes(), host)
    {
        let origin = String::from_utf8_lossy(origin.as_bytes());
        return error(
            StatusCode::FORBIDDEN,
            format!("拒绝访问：请求来自其他网页（{origin}），不是本服务的页面"),
        );
    }
    // The page and its description are public (a browser cannot send a token with a plain
    // navigation); every API call that reads or runs anything needs the token.
    let public = matches!(request.uri().path(), "/" | "/api/info");
    if !public && !app.authorized(headers.get(header::AUTHORIZATION)) {
        return error(
            StatusCode::UNAUTHORIZED,
            "需要访问口令：请在页面上输入管理员提供的口令",
        );
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.config.max_upload_bytes as u64) {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "上传内容超过大小上限：请分批上传");
    }
    next.run(request).await
}

/// Security headers on every answer: what the page may load (only itself), that nothing may
/// frame it or guess a type, and that no address leaves in a Referer.
async fn protect(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let page = request.uri().path() == "/";
    let mut response = next.run(request).await;
    let policy = if page && response.status().is_success() {
        app.page_policy.clone()
    } else {
        HeaderValue::from_static(API_POLICY)
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// One line per request on stderr: method, path, status, bytes sent, time — nothing else;
/// written once the answer is sent, or marked when the client left first.
async fn log(request: Request, next: Next) -> Response {
    let line = body::LogLine::new(request.method().as_str(), request.uri().path());
    let response = next.run(request).await;
    let (parts, inner) = response.into_parts();
    let status = parts.status.as_u16();
    Response::from_parts(parts, line.answer(status, inner))
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PAGE,
    )
        .into_response()
}

async fn info(State(app): State<Arc<App>>) -> Response {
    #[derive(Serialize)]
    struct CodeInfo {
        code: &'static str,
        title: &'static str,
        severity: &'static str,
    }
    #[derive(Serialize)]
    struct Info {
        version: &'static str,
        token_required: bool,
        codes: Vec<CodeInfo>,
        /// Each setting a request may give, with the server's value (`deviation`, `excellent`…).
        defaults: std::collections::BTreeMap<&'static str, String>,
        /// The file name extensions read (`xlsx`, `docx`…), as the walk of a folder takes them.
        extensions: Vec<&'static str>,
        /// Each `form_type` of the report with its Chinese name.
        form_types: std::collections::BTreeMap<&'static str, &'static str>,
    }
    let s = &app.config.options.settings;
    axum::Json(Info {
        version: env!("CARGO_PKG_VERSION"),
        token_required: app.config.token.is_some(),
        codes: crate::codes::Code::ALL
            .iter()
            .map(|c| CodeInfo {
                code: c.as_str(),
                title: c.title(),
                severity: s.severity(*c).map_or("off", |v| v.as_str()),
            })
            .collect(),
        defaults: crate::options::defaults(&app.config.options)
            .into_iter()
            .collect(),
        extensions: crate::formats::EXTENSIONS.iter().map(|e| e.ext).collect(),
        form_types: crate::form::FormType::ALL
            .iter()
            .map(|k| (k.key(), k.label()))
            .collect(),
    })
    .into_response()
}

/// How far a job is: files counted, files done; and whether its client left.
#[derive(Default)]
struct JobProgress {
    total: AtomicUsize,
    done: AtomicUsize,
    cancelled: AtomicBool,
}

impl Progress for JobProgress {
    fn start(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    fn file_done(&self, _file: &FileReport) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

async fn progress(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let job = pairs(query.as_deref()).find(|(k, _)| k == "job").map(|(_, v)| v);
    let found = job.and_then(|j| app.progress.lock().ok()?.get(&j).cloned());
    match found {
        Some(p) => {
            #[derive(Serialize)]
            struct Seen {
                total: usize,
                done: usize,
            }
            axum::Json(Seen {
                total: p.total.load(Ordering::Relaxed),
                done: p.done.load(Ordering::Relaxed),
            })
            .into_response()
        }
        None => error(StatusCode::NOT_FOUND, "没有正在进行的该项核查"),
    }
}

fn pairs(query: Option<&str>) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// The report exactly as `check --json` prints it for the folder.
fn report_json(input: &Path, opts: &Options) -> Result<Vec<u8>, String> {
    let mut stream = JsonStream::new(Vec::new());
    let summary = run::check_each(&[input.to_path_buf()], opts, |file| {
        stream.file(&file).map_err(|e| run::RunError::Write {
            path: "report".into(),
            message: e.to_string(),
        })
    })
    .map_err(|e| e.to_string())?;
    stream.finish(&summary).map_err(|e| e.to_string())
}

/// A place among the admitted requests (`jobs + queue`), given back when dropped.
struct Slot(Arc<App>);

impl Slot {
    fn take(app: &Arc<App>) -> Option<Slot> {
        let most = app.config.jobs.max(1).saturating_add(app.config.queue);
        app.admitted
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < most).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(app.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a job holds besides its folder: its place among the admitted requests and its entry
/// in the progress table. Owned by the job's work; dropping it frees both.
struct Ticket {
    app: Arc<App>,
    id: Option<String>,
    progress: Arc<JobProgress>,
    _slot: Slot,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let (Some(id), Ok(mut map)) = (&self.id, self.app.progress.lock())
            && map.get(id).is_some_and(|p| Arc::ptr_eq(p, &self.progress))
        {
            map.remove(id);
        }
    }
}

/// A request whose upload is on disk: its private folder (`in/` holds the upload), the options
/// of its run and its ticket.
struct Job {
    dir: tempfile::TempDir,
    opts: Options,
    ticket: Ticket,
}

/// Set when the request's handler is dropped (its client left): the work stops at its next
/// file.
struct CancelOnDrop(Arc<JobProgress>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancelled.store(true, Ordering::Relaxed);
    }
}

/// What a request asks for.
#[derive(Clone, Copy)]
enum Work {
    Check,
    /// `summary`: `summary.xlsx` alone instead of the zip.
    Fix {
        summary: bool,
    },
}

/// A finished job's answer: the report, or a file in the job's folder (which goes with it).
enum Answer {
    Json(Vec<u8>),
    File {
        folder: tempfile::TempDir,
        path: PathBuf,
        summary: bool,
    },
}

async fn check(State(app): State<Arc<App>>, request: Request) -> Response {
    submit(app, request, Work::Check).await
}

async fn fix(State(app): State<Arc<App>>, request: Request) -> Response {
    let summary = pairs(request.uri().query()).any(|(k, v)| k == "part" && v == "summary");
    submit(app, request, Work::Fix { summary }).await
}

/// One check or fix request: admitted (or 503 at once), its upload read to its folder under
/// the timeouts, then a job waited for and run. The upload and the work go on in a task of
/// their own that owns everything the job holds; this handler only waits for the answer, and
/// if it is dropped (the client left) the work is told to stop.
async fn submit(app: Arc<App>, request: Request, work: Work) -> Response {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "请以 multipart/form-data 上传文件（每个文件一个部分）",
        );
    }
    let Some(slot) = Slot::take(&app) else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "服务繁忙：排队的核查已满，请稍后再试",
        );
    };
    let query = request.uri().query().map(str::to_string);
    let stall = Arc::new(body::Stall::default());
    let (parts, inner) = request.into_parts();
    let timed = body::Timed::new(
        inner,
        app.config.idle_timeout,
        app.config.upload_timeout,
        stall.clone(),
    );
    let multipart = Multipart::from_request(Request::from_parts(parts, Body::new(timed)), &()).await;
    let progress = Arc::new(JobProgress::default());
    let _cancel = CancelOnDrop(progress.clone());
    let (answer, answered) = tokio::sync::oneshot::channel();
    let started = Started {
        app,
        query,
        stall,
        slot,
        progress,
    };
    tokio::spawn(started.run(multipart, work, answer));
    match answered.await {
        Ok(Ok(answer)) => respond(answer).await,
        Ok(Err(refusal)) => error(refusal.status, refusal.message),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "处理时程序出错，请报告此问题"),
    }
}

type Answered = tokio::sync::oneshot::Sender<Result<Answer, Refusal>>;

/// An admitted request, before its upload is read.
struct Started {
    app: Arc<App>,
    query: Option<String>,
    stall: Arc<body::Stall>,
    slot: Slot,
    progress: Arc<JobProgress>,
}

impl Started {
    /// Read the upload, wait for a job (unless the client leaves), then run the work on a
    /// blocking thread that owns the job: its folder, its job permit and its ticket are freed
    /// when the work ends, whether or not anyone still waits for the answer.
    async fn run(self, multipart: Result<Multipart, MultipartRejection>, work: Work, mut answer: Answered) {
        let app = self.app.clone();
        let job = match self.receive(multipart).await {
            Ok(job) => job,
            Err(refusal) => {
                let _ = answer.send(Err(refusal));
                return;
            }
        };
        let permit = tokio::select! {
            permit = app.jobs.clone().acquire_owned() => permit,
            // The client left while waiting: the job (and its folder) goes here.
            () = answer.closed() => return drop_blocking(job).await,
        };
        let Ok(permit) = permit else {
            let _ = answer.send(Err(refuse(StatusCode::SERVICE_UNAVAILABLE, "服务正在停止")));
            return;
        };
        tokio::task::spawn_blocking(move || {
            let Job { dir, opts, ticket } = job;
            let progress = ticket.progress.clone();
            let result = perform(work, dir, &opts, &|| progress.cancelled());
            drop(permit);
            drop(ticket);
            give_back_memory();
            // Nobody listening any more: the answer, and the folder it may hold, go here.
            let _ = answer.send(result);
        });
    }

    /// Stream the upload into a new private folder; then the request's settings.
    async fn receive(self, multipart: Result<Multipart, MultipartRejection>) -> Result<Job, Refusal> {
        let app = &self.app;
        let multipart = multipart.map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                format!("上传内容无法读取：{}", e.body_text()),
            )
        })?;
        let dir = tempfile::Builder::new()
            .prefix("jixiao-serve-")
            .tempdir_in(&app.config.temp_root)
            .map_err(|e| {
                refuse(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("无法创建临时文件夹：{e}"),
                )
            })?;
        let received = upload::receive(multipart, &dir.path().join("in"), app.config.max_files).await;
        let query = self.query.as_deref();
        // Checked once the upload is in, so the client hears the reason instead of a reset.
        let settings = received
            .map_err(|e| match self.stall.idle() {
                Some(true) => refuse(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "上传超时：{} 秒内没有收到任何数据",
                        app.config.idle_timeout.as_secs()
                    ),
                ),
                Some(false) => refuse(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "上传超时：{} 秒内未能传完，请分批上传",
                        app.config.upload_timeout.as_secs()
                    ),
                ),
                None => refuse(e.status, e.message),
            })
            .and_then(|received| {
                let query: Vec<(String, String)> = pairs(query).collect();
                crate::options::for_request(&app.config.options, &query)
                    .map(|opts| (opts, received.renamed))
                    .map_err(|e| refuse(StatusCode::BAD_REQUEST, e.to_string()))
            });
        let (base, renamed) = match settings {
            Ok(s) => s,
            Err(refusal) => {
                drop_blocking(dir).await;
                return Err(refusal);
            }
        };
        let id = pairs(query)
            .find(|(k, _)| k == "job")
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty() && v.len() <= 64);
        let opts = Options {
            jobs: None,
            progress: Some(self.progress.clone()),
            // `?standard=1`: the standard template for every form, as `fix --standard`.
            standard: pairs(query).any(|(k, v)| k == "standard" && matches!(v.as_str(), "1" | "true" | "on")),
            renamed,
            ..base
        };
        if let (Some(id), Ok(mut map)) = (&id, app.progress.lock()) {
            map.insert(id.clone(), self.progress.clone());
        }
        Ok(Job {
            dir,
            opts,
            ticket: Ticket {
                app: self.app.clone(),
                id,
                progress: self.progress,
                _slot: self.slot,
            },
        })
    }
}

/// Drop on a blocking thread what removes a folder, and wait for it.
async fn drop_blocking<T: Send + 'static>(value: T) {
    let _ = tokio::task::spawn_blocking(move || drop(value)).await;
}

/// The work itself, on a blocking thread: `check` gives the report (the folder is removed
/// before it is answered); `fix` writes its outputs, zips them to a file beside them (unless
/// only the summary is asked for) and hands on the folder with the file to send.
fn perform(
    work: Work,
    dir: tempfile::TempDir,
    opts: &Options,
    stop: &dyn Fn() -> bool,
) -> Result<Answer, Refusal> {
    let failed = |e: String| refuse(StatusCode::INTERNAL_SERVER_ERROR, e);
    match work {
        Work::Check => {
            let report = report_json(&dir.path().join("in"), opts);
            drop(dir); // the uploaded files are gone before the answer leaves
            report.map(Answer::Json).map_err(failed)
        }
        Work::Fix { summary } => {
            let out = dir.path().join("out");
            run::fix_each(&[dir.path().join("in")], &out, opts, |_| Ok(()))
                .map_err(|e| failed(e.to_string()))?;
            let path = if summary {
                out.join("summary.xlsx")
            } else {
                let zip = dir.path().join("jixiao.zip");
                let file =
                    std::fs::File::create(&zip).map_err(|e| failed(format!("无法生成下载文件：{e}")))?;
                upload::zip_folder(&out, file, stop).map_err(|e| failed(format!("无法生成下载文件：{e}")))?;
                zip
            };
            Ok(Answer::File {
                folder: dir,
                path,
                summary,
            })
        }
    }
}

/// The answer as sent: the report, or the file streamed from disk.
async fn respond(answer: Answer) -> Response {
    let (folder, path, summary) = match answer {
        Answer::Json(bytes) => {
            return ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], bytes).into_response();
        }
        Answer::File {
            folder,
            path,
            summary,
        } => (folder, path, summary),
    };
    let (kind, name) = if summary {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "attachment; filename=\"summary.xlsx\"",
        )
    } else {
        (
            "application/zip",
            "attachment; filename=\"jixiao.zip\"; filename*=UTF-8''%E6%A0%B8%E6%9F%A5%E7%BB%93%E6%9E%9C.zip",
        )
    };
    let file = match body::FileDownload::open(&path, folder).await {
        Ok(file) => file,
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("无法生成下载文件：{e}"),
            );
        }
    };
    Response::builder()
        .header(header::CONTENT_TYPE, kind)
        .header(header::CONTENT_DISPOSITION, HeaderValue::from_static(name))
        .body(Body::new(file))
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "无法生成下载文件"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_in_any_case_and_spacing() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"BEARER\tabc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Bearerabc"), None);
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bear"), None);
    }

    #[test]
    fn the_page_runs_under_its_policy() {
        // Only plain inline <script> and <style> elements are allowed by hash: no attribute on
        // them, no inline handler or style attribute, nothing loaded from elsewhere.
        for banned in [
            "<script ",
            "<style ",
            " style=\"",
            " onclick=",
            " onload=",
            "src=\"http",
            "href=\"http",
        ] {
            assert!(!PAGE.contains(banned), "the page has {banned}");
        }
        let policy = page_policy(PAGE);
        let policy = policy.to_str().expect("ascii");
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert!(!policy.contains("unsafe"));
    }
}
