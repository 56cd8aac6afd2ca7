//! The `jixiao` binary: parse arguments, call the library, choose the exit code.
//! Exit 0: no error finding; 1: at least one (an unreadable file counts); 2: the tool itself
//! failed or was misused.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;

use jixiao::form::Layout;
use jixiao::report::{FileReport, JsonStream, Status};
use jixiao::rules::{Code, Settings};
use jixiao::run::{self, Options};

/// 项目支出绩效目标自评表 批量核查与更正 — validate and correct performance self-evaluation forms.
#[derive(Parser)]
#[command(name = "jixiao", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 核查自评表 / Validate forms; prints findings (exit 1 when any error is found).
    Check {
        /// 文件或文件夹 / Files or folders (folders are walked for .xlsx .xlsm .xls .ods).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// 输出 JSON 报告 / Print the JSON report instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        common: Common,
    },
    /// 核查并输出更正后的工作簿、汇总表和报告 / Validate and write corrected workbooks,
    /// summary.xlsx and report.json under OUT.
    Fix {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// 输出目录 / Output folder.
        #[arg(short, long)]
        out: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// 生成空白标准模板 / Write a blank standard template.
    Template {
        /// 输出文件 / Output file (.xlsx).
        #[arg(short, long)]
        out: PathBuf,
        /// 模板样式 / Layout: guizhou (the seed's funds rows) or national (财预〔2020〕10号).
        #[arg(long, value_enum, default_value_t = LayoutArg::Guizhou)]
        layout: LayoutArg,
    },
    /// 列出全部核查规则 / List every finding code with its severity and meaning.
    Rules,
    /// 启动网页版（浏览器中拖入文件夹即可核查）/ Serve the web page and its API.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
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
    /// 单个文件大小上限（MB）/ Largest file read, in MB (default 50).
    #[arg(long, value_name = "MB")]
    max_file_mb: Option<u64>,
    /// 同时进行的核查数（默认：CPU 核数）/ Checks run at once (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// 排队等待的核查数上限，超出返回 503 / Requests that may wait; beyond them, 503.
    #[arg(long)]
    queue: Option<usize>,
    /// 设置文件 / Settings file (deviation, grades, severities) every request starts from.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct Common {
    /// 设置文件 / Settings file (default: jixiao.toml inside the first input folder).
    #[arg(long)]
    config: Option<PathBuf>,
    /// 偏差阈值（百分比）/ Deviation threshold in percent (default 30).
    #[arg(long, value_name = "PERCENT")]
    deviation: Option<Decimal>,
    /// 调整某条规则的严重程度 / Set a code's severity: CODE=error|warning|info|off (repeatable).
    #[arg(long, value_name = "CODE=LEVEL")]
    severity: Vec<String>,
    /// 反向指标超标时 fix 写入的得分：linear（线性，默认）或 ratio（指标值÷实际值×分值）/ The score
    /// `fix` writes for a reverse (≤) indicator over its target: linear (default) or ratio.
    #[arg(long, value_name = "linear|ratio")]
    reverse_scoring: Option<String>,
    /// 并行线程数 / Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// 单个文件大小上限（MB）/ Largest input file read, in MB (default 50).
    #[arg(long, value_name = "MB")]
    max_file_mb: Option<u64>,
    /// 不输出进度条与汇总行 / No progress bar and no tally line on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LayoutArg {
    Guizhou,
    National,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jixiao: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check { paths, json, common } => {
            let opts = options(&common, &paths)?;
            // Each file is printed as soon as its chunk is done: memory stays flat however many
            // files there are.
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let progress = opts.progress.clone();
            let quietly = |f: &mut dyn FnMut() -> std::io::Result<()>| -> Result<(), run::RunError> {
                let mut result = Ok(());
                match &progress {
                    Some(p) => p.suspend(&mut || result = f()),
                    None => result = f(),
                }
                result.map_err(|e| run::RunError::Write {
                    path: "stdout".into(),
                    message: e.to_string(),
                })
            };
            let summary = if json {
                let mut stream = Some(JsonStream::new(stdout));
                let summary = run::check_each(&paths, &opts, |file| {
                    quietly(&mut || stream.as_mut().map_or(Ok(()), |s| s.file(&file)))
                })?;
                drop(opts); // clears the progress bar
                if let Some(s) = stream.take() {
                    s.finish(&summary)?;
                }
                if !common.quiet {
                    eprintln!("jixiao: {}", summary.tally());
                }
                summary
            } else {
                let mut out = stdout;
                let summary = run::check_each(&paths, &opts, |file| {
                    quietly(&mut || out.write_all(file.to_text().as_bytes()))
                })?;
                drop(opts);
                writeln!(out, "{}", summary.tally())?;
                out.flush()?;
                summary
            };
            Ok(exit_for(summary.errors > 0))
        }
        Command::Fix { paths, out, common } => {
            let opts = options(&common, &paths)?;
            let summary = run::fix_each(&paths, &out, &opts, |_| Ok(()))?;
            drop(opts); // clears the progress bar before the tally is printed
            if !common.quiet {
                eprintln!("jixiao: {}；结果已写入 {}", summary.tally(), out.display());
            }
            Ok(exit_for(summary.errors > 0))
        }
        Command::Template { out, layout } => {
            let layout = match layout {
                LayoutArg::Guizhou => Layout::Guizhou,
                LayoutArg::National => Layout::National,
            };
            let bytes = jixiao::render::template(layout)?;
            run::write_atomic(&out, &bytes)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(args),
        Command::Rules => {
            let settings = Settings::default();
            for code in Code::ALL {
                let severity = settings.severity(*code).map_or("off", |s| s.as_str());
                println!("{:<32} {:<8} {}", code.as_str(), severity, code.meaning());
            }
            println!("\n表格读法（详见 docs/rules.md “Forms as people fill them”）：");
            for (what, example) in jixiao::codes::READING {
                println!("- {what}\n    例：{example}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `jixiao serve`: the library's server with the flags applied; runs until Ctrl-C.
fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = jixiao::serve::Config::new(args.listen);
    config.token = args
        .token
        .or_else(|| std::env::var("JIXIAO_TOKEN").ok())
        .filter(|t| !t.is_empty());
    config.allowed_hosts = args.allow_host;
    config.max_upload_bytes = args.max_upload_mb.saturating_mul(1 << 20);
    config.max_files = args.max_files;
    if let Some(mb) = args.max_file_mb {
        anyhow::ensure!(mb > 0, "--max-file-mb 应大于 0");
        config.limits.max_file_bytes = mb.saturating_mul(1 << 20);
    }
    if let Some(jobs) = args.jobs {
        config.jobs = jobs.max(1);
    }
    if let Some(queue) = args.queue {
        config.queue = queue;
    }
    if let Some(path) = &args.config {
        let file = load_settings(path)?;
        if let Some(mb) = file.max_file_mb {
            config.limits.max_file_bytes = mb.saturating_mul(1 << 20);
        }
        config.settings.apply(file)?;
    }
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

/// Open `url` in the desktop's default browser; a failure only means the user opens it.
fn open_browser(url: &str) {
    let result = if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if result.is_err() {
        eprintln!("jixiao：无法自动打开浏览器，请手动打开 {url}");
    }
}

fn exit_for(errors: bool) -> ExitCode {
    if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Settings from the config file (given, or `jixiao.toml` inside the first input folder), then
/// the flags on top.
fn options(common: &Common, paths: &[PathBuf]) -> anyhow::Result<Options> {
    let mut settings = Settings::default();
    let config = common.config.clone().or_else(|| {
        paths
            .iter()
            .find(|p| p.is_dir())
            .map(|d| d.join("jixiao.toml"))
            .filter(|p| p.is_file())
    });
    let mut file_limit = None;
    if let Some(path) = config {
        let file = load_settings(&path)?;
        file_limit = file.max_file_mb;
        settings.apply(file)?;
    }
    if let Some(p) = common.deviation {
        settings.set_deviation_percent(p)?;
    }
    if let Some(name) = &common.reverse_scoring {
        settings.reverse_scoring = jixiao::rules::ReverseScoring::from_name(name)?;
    }
    for pair in &common.severity {
        let (code, level) = pair.split_once('=').ok_or_else(|| {
            anyhow::anyhow!(
                "--severity 应写作 CODE=LEVEL，例如 cost-exceeds-execution=error，而不是 `{pair}`"
            )
        })?;
        settings.set_severity(code.trim(), level.trim())?;
    }
    let mut limits = jixiao::grid::Limits::default();
    if let Some(mb) = common.max_file_mb.or(file_limit) {
        if mb == 0 {
            anyhow::bail!("--max-file-mb 应大于 0");
        }
        limits.max_file_bytes = mb.saturating_mul(1 << 20);
    }
    let progress = (!common.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none())
        .then(|| Arc::new(Bar::new()) as Arc<dyn run::Progress>);
    Ok(Options {
        settings,
        limits,
        jobs: common.jobs,
        progress,
    })
}

fn load_settings(path: &Path) -> anyhow::Result<jixiao::rules::settings::SettingsFile> {
    let text = std::fs::read_to_string(path).map_err(|source| jixiao::rules::SettingsError::Io {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| {
        jixiao::rules::SettingsError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        }
        .into()
    })
}

/// The progress bar on a terminal: files done / total, forms, errors, rate, ETA.
struct Bar {
    bar: indicatif::ProgressBar,
    forms: AtomicUsize,
    errors: AtomicUsize,
}

impl Bar {
    fn new() -> Bar {
        let bar = indicatif::ProgressBar::hidden();
        let style =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} 个文件 {msg} {per_sec} 剩余 {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Bar {
            bar,
            forms: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
        }
    }
}

impl run::Progress for Bar {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn suspend(&self, f: &mut dyn FnMut()) {
        self.bar.suspend(f);
    }

    fn file_done(&self, file: &FileReport) {
        let forms = self.forms.fetch_add(file.forms.len(), Ordering::Relaxed) + file.forms.len();
        let errors = file
            .forms
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.severity.as_str() == "error")
            .count()
            + usize::from(matches!(file.status, Status::Unreadable | Status::NoForm));
        let errors = self.errors.fetch_add(errors, Ordering::Relaxed) + errors;
        self.bar.set_message(format!("| {forms} 张表 | 错误 {errors} |"));
        self.bar.inc(1);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
