//! Front end: `jixiao serve`, one page and an HTTP API for people who do not use a terminal
//! (README.md, "The web page"). It only translates requests into the library calls the CLI
//! makes — [`run::check_each`] and [`run::fix_each`] on the uploaded files in a private
//! temporary folder — so its report is byte for byte the one `check --json` prints and its zip
//! holds exactly what `fix -o OUT` writes. Nothing is kept: the folder goes with the response.
//!
//! Safety: loopback by default; any other address needs a token (`Authorization: Bearer`); a
//! request whose `Host` is not the address served is refused (DNS rebinding); no CORS header;
//! uploads are streamed to disk under sanitised names that cannot leave the folder; the CPU work
//! runs on blocking threads (the run's rayon pool), at most `jobs` at once with a bounded queue.

mod upload;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::grid::Limits;
use crate::report::{FileReport, JsonStream};
use crate::rules::Settings;
use crate::rules::settings::{GradeBands, SettingsFile};
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
    /// Per-file limits and the rest of the reading limits, as for the CLI.
    pub limits: Limits,
    /// Checks run at once; the others wait.
    pub jobs: usize,
    /// Requests that may wait for a free job; beyond them, 503.
    pub queue: usize,
    /// The settings every request starts from (a request's parameters go on top).
    pub settings: Settings,
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
            limits: Limits::default(),
            jobs: cores,
            queue: cores.saturating_mul(4),
            settings: Settings::default(),
            temp_root: std::env::temp_dir(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("监听 {0} 以外的地址（非本机回环地址）时必须设置访问口令：--token 或环境变量 JIXIAO_TOKEN")]
    TokenRequired(SocketAddr),
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
    jobs: Semaphore,
    waiting: AtomicUsize,
    progress: Mutex<HashMap<String, Arc<JobProgress>>>,
}

/// A running server (started by [`start`]): its address; dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Stop the server and wait for it to finish its requests.
    pub fn stop(mut self) {
        self.shutdown();
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
    let router = router(config, addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    Ok(Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Serve until Ctrl-C (`jixiao serve`); `ready` is told the address once it listens.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let runtime = runtime()?;
    runtime.block_on(async move {
        let listener = bind(&config).await?;
        let addr = listener.local_addr().map_err(ServeError::Runtime)?;
        ready(addr);
        axum::serve(listener, router(config, addr))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(ServeError::Runtime)
    })
}

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
    tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })
}

fn router(config: Config, addr: SocketAddr) -> Router {
    let port = addr.port();
    let mut hosts: Vec<String> = if addr.ip().is_loopback() {
        vec![
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
    let limit = config.max_upload_bytes;
    let app = Arc::new(App {
        jobs: Semaphore::new(config.jobs.max(1)),
        waiting: AtomicUsize::new(0),
        progress: Mutex::new(HashMap::new()),
        hosts,
        config,
    });
    Router::new()
        .route("/", get(page))
        .route("/api/info", get(info))
        .route("/api/progress", get(progress))
        .route("/api/check", post(check))
        .route("/api/fix", post(fix))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn(log))
        .with_state(app)
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

/// The `Host` check and the token, before anything is read.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !app.hosts.is_empty() && !app.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return error(
            StatusCode::FORBIDDEN,
            format!("拒绝访问：请求的主机名 {host} 不是本服务的地址"),
        );
    }
    // The page and its description are public (a browser cannot send a token with a plain
    // navigation); every API call that reads or runs anything needs the token.
    let public = matches!(request.uri().path(), "/" | "/api/info");
    if let Some(token) = &app.config.token
        && !public
    {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
            return error(
                StatusCode::UNAUTHORIZED,
                "需要访问口令：请在页面上输入管理员提供的口令",
            );
        }
    }
    next.run(request).await
}

/// Compare two secrets without an early exit that would tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One line per request on stderr: method, path, status, size, time — nothing else.
async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let size = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    eprintln!(
        "{method} {path} {} {size} {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
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
    struct Defaults {
        deviation: String,
        excellent: String,
        good: String,
        fair: String,
    }
    #[derive(Serialize)]
    struct Info {
        version: &'static str,
        token_required: bool,
        codes: Vec<CodeInfo>,
        defaults: Defaults,
    }
    let s = &app.config.settings;
    let plain = crate::num::fmt_plain;
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
        defaults: Defaults {
            deviation: plain(
                s.deviation_threshold
                    .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
                    .unwrap_or_default(),
            ),
            excellent: plain(s.grade_excellent),
            good: plain(s.grade_good),
            fair: plain(s.grade_fair),
        },
    })
    .into_response()
}

/// How far a job is: files counted, files done.
#[derive(Default)]
struct JobProgress {
    total: AtomicUsize,
    done: AtomicUsize,
}

impl Progress for JobProgress {
    fn start(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    fn file_done(&self, _file: &FileReport) {
        self.done.fetch_add(1, Ordering::Relaxed);
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

/// A request's settings: the server's, with its query parameters on top (as the CLI flags).
fn settings_of(base: &Settings, query: Option<&str>) -> Result<Settings, String> {
    let mut file = SettingsFile::default();
    let mut grades = GradeBands {
        excellent: None,
        good: None,
        fair: None,
    };
    let number = |k: &str, v: &str| {
        v.trim()
            .parse::<rust_decimal::Decimal>()
            .map_err(|_| format!("参数 {k} 应为数字，而不是 `{v}`"))
    };
    for (k, v) in pairs(query) {
        match k.as_str() {
            "deviation" if !v.is_empty() => file.deviation_threshold = Some(number(&k, &v)?),
            "excellent" if !v.is_empty() => grades.excellent = Some(number(&k, &v)?),
            "good" if !v.is_empty() => grades.good = Some(number(&k, &v)?),
            "fair" if !v.is_empty() => grades.fair = Some(number(&k, &v)?),
            "reverse_scoring" if !v.is_empty() => {
                file.reverse_scoring =
                    Some(crate::rules::ReverseScoring::from_name(&v).map_err(|e| e.to_string())?)
            }
            "severity" => {
                let (code, level) = v
                    .split_once('=')
                    .ok_or_else(|| format!("severity 应写作 CODE=LEVEL，而不是 `{v}`"))?;
                file.severity.insert(code.trim().into(), level.trim().into());
            }
            _ => {}
        }
    }
    file.grades = Some(grades);
    let mut settings = base.clone();
    settings.apply(file).map_err(|e| e.to_string())?;
    Ok(settings)
}

/// What a check or fix request was given, once its upload is on disk.
struct Job {
    dir: tempfile::TempDir,
    opts: Options,
    id: Option<String>,
}

/// A permit to run (waiting in the bounded queue), or 503.
async fn permit(app: &App) -> Result<tokio::sync::SemaphorePermit<'_>, Response> {
    if let Ok(p) = app.jobs.try_acquire() {
        return Ok(p);
    }
    if app.waiting.fetch_add(1, Ordering::SeqCst) >= app.config.queue {
        app.waiting.fetch_sub(1, Ordering::SeqCst);
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "服务繁忙：排队的核查已满，请稍后再试",
        ));
    }
    let p = app.jobs.acquire().await;
    app.waiting.fetch_sub(1, Ordering::SeqCst);
    p.map_err(|_| error(StatusCode::SERVICE_UNAVAILABLE, "服务正在停止"))
}

/// Validate the request and stream its files to a private temporary folder.
async fn receive(
    app: &App,
    headers: &HeaderMap,
    query: Option<&str>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Job, Response> {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let multipart = match multipart {
        _ if !is_multipart => {
            return Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请以 multipart/form-data 上传文件（每个文件一个部分）",
            ));
        }
        Ok(m) => m,
        Err(e) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("上传内容无法读取：{}", e.body_text()),
            ));
        }
    };
    let dir = tempfile::Builder::new()
        .prefix("jixiao-serve-")
        .tempdir_in(&app.config.temp_root)
        .map_err(|e| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("无法创建临时文件夹：{e}"),
            )
        })?;
    let input = dir.path().join("in");
    upload::receive(multipart, &input, app.config.max_files)
        .await
        .map_err(|e| error(e.status, e.message))?;
    // Checked once the upload is in, so the client hears the reason instead of a reset.
    let settings = settings_of(&app.config.settings, query).map_err(|e| error(StatusCode::BAD_REQUEST, e))?;
    let id = pairs(query)
        .find(|(k, _)| k == "job")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 64);
    let mut opts = Options {
        settings,
        limits: app.config.limits,
        jobs: None,
        progress: None,
        // `?standard=1`: the standard template for every form, as `fix --standard`.
        standard: pairs(query).any(|(k, v)| k == "standard" && matches!(v.as_str(), "1" | "true" | "on")),
    };
    if let Some(id) = &id {
        let p = Arc::new(JobProgress::default());
        if let Ok(mut map) = app.progress.lock() {
            map.insert(id.clone(), p.clone());
        }
        opts.progress = Some(p);
    }
    Ok(Job { dir, opts, id })
}

impl App {
    fn forget(&self, job: &Job) {
        if let (Some(id), Ok(mut map)) = (&job.id, self.progress.lock()) {
            map.remove(id);
        }
    }
}

/// One request's work: wait for a job (or 503), receive the upload, run `work` on a blocking
/// thread with the job's folder and options, and remove the folder before answering.
async fn run_job<T: Send + 'static>(
    app: &App,
    headers: &HeaderMap,
    query: Option<&str>,
    multipart: Result<Multipart, MultipartRejection>,
    failure: &'static str,
    work: impl FnOnce(&Path, &Options) -> Result<T, String> + Send + 'static,
) -> Result<T, Response> {
    let _permit = permit(app).await?;
    let job = receive(app, headers, query, multipart).await?;
    let dir = job.dir.path().to_path_buf();
    let opts = job.opts.clone();
    let result = tokio::task::spawn_blocking(move || work(&dir, &opts)).await;
    app.forget(&job);
    drop(job); // the uploaded files are gone before the answer leaves
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
        Err(_) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, failure)),
    }
}

async fn check(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let failure = "核查时程序出错，请报告此问题";
    let work = |dir: &Path, opts: &Options| report_json(&dir.join("in"), opts);
    match run_job(&app, &headers, query.as_deref(), multipart, failure, work).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], bytes).into_response(),
        Err(r) => r,
    }
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

async fn fix(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let summary_only = pairs(query.as_deref()).any(|(k, v)| k == "part" && v == "summary");
    let work = move |dir: &Path, opts: &Options| -> Result<Vec<u8>, String> {
        let out = dir.join("out");
        run::fix_each(&[dir.join("in")], &out, opts, |_| Ok(())).map_err(|e| e.to_string())?;
        if summary_only {
            std::fs::read(out.join("summary.xlsx")).map_err(|e| e.to_string())
        } else {
            upload::zip_folder(&out).map_err(|e| e.to_string())
        }
    };
    let failure = "生成更正结果时程序出错，请报告此问题";
    let result = run_job(&app, &headers, query.as_deref(), multipart, failure, work).await;
    let (kind, name) = if summary_only {
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
    match result {
        Ok(bytes) => Response::builder()
            .header(header::CONTENT_TYPE, kind)
            .header(header::CONTENT_DISPOSITION, HeaderValue::from_static(name))
            .body(Body::from(bytes))
            .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "无法生成下载文件")),
        Err(r) => r,
    }
}
