//! `jixiao serve`: its flags, translated into the library server's configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use jixiao::options;

use crate::desktop::open_browser;
use crate::flags::SettingFlags;

#[derive(Args)]
pub struct ServeArgs {
    /// 监听地址 / Address to listen on; beyond loopback a token is required.
    #[arg(long, default_value = "127.0.0.1:8686")]
    listen: std::net::SocketAddr,
    /// 访问口令（非本机访问时必需；也可用环境变量 JIXIAO_TOKEN）/ Access token.
    #[arg(long)]
    token: Option<String>,
    /// 启动后在浏览器中打开页面 / Open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// 额外允许的主机名（如内网域名）/ Host names besides the address, repeatable.
    #[arg(long, value_name = "NAME")]
    allow_host: Vec<String>,
    /// 单次上传总大小上限（MB）/ Largest upload, in MB.
    #[arg(long, value_name = "MB", default_value_t = 200)]
    max_upload_mb: usize,
    /// 单次上传文件数上限 / Most files in one upload.
    #[arg(long, default_value_t = 5000)]
    max_files: usize,
    /// 同时进行的核查数（默认：CPU 核数）/ Checks run at once (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// 排队的核查数上限（上传中或等待中），超出返回 503 / Requests admitted beyond the running
    /// jobs (uploading or waiting); beyond them, 503.
    #[arg(long)]
    queue: Option<usize>,
    /// 上传空闲超时（秒）：这么久收不到数据即中止；也是等待请求头与客户端读取结果的上限 /
    /// Idle timeout in seconds: uploads, request headers, a client reading the answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    idle_timeout: u64,
    /// 单次上传总时长上限（秒）/ Longest an upload may take as a whole, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    upload_timeout: u64,
    /// 设置文件 / Settings file (deviation, grades, severities) every request starts from.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The settings every request starts from (a request's parameters go on top).
    #[command(flatten)]
    settings: SettingFlags,
}

/// `jixiao serve`: the library's server with the flags applied; runs until Ctrl-C.
pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = jixiao::serve::Config::new(args.listen);
    config.token = args
        .token
        .or_else(|| std::env::var("JIXIAO_TOKEN").ok())
        .filter(|t| !t.is_empty());
    config.allowed_hosts = args.allow_host;
    config.max_upload_bytes = args.max_upload_mb.saturating_mul(1 << 20);
    config.max_files = args.max_files;
    if let Some(jobs) = args.jobs {
        config.jobs = jobs.max(1);
    }
    if let Some(queue) = args.queue {
        config.queue = queue;
    }
    anyhow::ensure!(
        args.idle_timeout > 0 && args.upload_timeout > 0,
        "--idle-timeout 与 --upload-timeout 应大于 0"
    );
    config.idle_timeout = std::time::Duration::from_secs(args.idle_timeout);
    config.upload_timeout = std::time::Duration::from_secs(args.upload_timeout);
    config.options = options::from_flags(args.config.as_deref(), &[], &args.settings.0)?;
    let open = args.open;
    jixiao::serve::run(config, |addr| {
        let url = format!("http://{addr}/");
        // The first line of stdout names the address (tests and scripts read it).
        println!("jixiao serve: {url}");
        eprintln!("jixiao：网页版已启动，请在浏览器中打开 {url}（按 Ctrl+C 停止）");
        if open {
            open_browser(&url);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
