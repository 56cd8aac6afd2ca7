//! The `jixiao` binary: parse arguments, call the library, choose the exit code.
//! Exit 0: no error finding; 1: at least one (an unreadable file counts); 2: the tool itself
//! failed or was misused.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;

use jixiao::form::Layout;
use jixiao::report::{FileReport, JsonStream, Status};
use jixiao::rules::{Code, Settings};
use jixiao::run::{self, Options};

/// 项目支出绩效目标自评表 批量核查与更正 — validate and correct performance self-evaluation forms.
#[derive(Parser)]
#[command(name = "jixiao", version, about, long_about = None, after_help = DEFAULT_ACTIONS)]
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
        /// 一律按标准模板输出（不在单位原表上更正） / Write every form in the standard
        /// template instead of correcting the unit's own .xlsx/.xlsm.
        #[arg(long)]
        standard: bool,
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
    /// 本次核查的年度（与之不同的表报 year-mismatch）/ The year the batch is for.
    #[arg(long)]
    year: Option<i32>,
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
    // Chinese text in a Windows console (and in what it pipes) as UTF-8; restored on return.
    let _utf8 = console::Utf8Output::set();
    let args: Vec<OsString> = std::env::args_os().collect();
    match start_of(&args) {
        Start::Help => {
            let _ = Cli::command().print_help();
            return ExitCode::SUCCESS;
        }
        Start::Desktop => return desktop(),
        Start::Drop(paths) => return dropped(&paths),
        Start::Command => {}
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version go to stdout with 0; misuse to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
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
                out.write_all(summary.batch_text().as_bytes())?;
                writeln!(out, "{}", summary.tally())?;
                out.flush()?;
                summary
            };
            Ok(exit_for(summary.errors > 0))
        }
        Command::Fix {
            paths,
            out,
            standard,
            common,
        } => {
            let mut opts = options(&common, &paths)?;
            opts.standard = standard;
            let summary = run::fix_each(&paths, &out, &opts, |_| Ok(()))?;
            drop(opts); // clears the progress bar before the tally is printed
            if !common.quiet {
                eprint!("{}", summary.batch_text());
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
    anyhow::ensure!(
        args.idle_timeout > 0 && args.upload_timeout > 0,
        "--idle-timeout 与 --upload-timeout 应大于 0"
    );
    config.idle_timeout = std::time::Duration::from_secs(args.idle_timeout);
    config.upload_timeout = std::time::Duration::from_secs(args.upload_timeout);
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
    if let Some(year) = common.year {
        settings.year = Some(year);
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
        ..Options::default()
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
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} 个文件 {msg} {rate} 剩余 {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(state.per_sec()));
                    },
                );
        bar.set_style(style);
        Bar {
            bar,
            forms: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
        }
    }
}

/// Files a second as a whole number (`473 个/秒`; below one, `不到 1 个/秒`), never indicatif's
/// `472.9251/s`.
fn rate(per_sec: f64) -> String {
    if per_sec.is_finite() && per_sec > 0.0 && per_sec < 0.5 {
        "不到 1 个/秒".to_string()
    } else if per_sec.is_finite() && per_sec >= 0.0 {
        format!("{per_sec:.0} 个/秒")
    } else {
        "0 个/秒".to_string()
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

/// What `jixiao --help` says of the two actions without a command.
const DEFAULT_ACTIONS: &str = "\
不带命令 / Without a command:
  jixiao 文件夹或文件...   核查并更正，结果写到第一个输入旁的“<名称>-核查结果”文件夹
                          （已存在时为 -2、-3…）；把文件夹拖到程序图标上即是如此。
                          Same as `fix PATH... -o <PATH>-核查结果`.
  jixiao                  双击启动：打开网页版（serve --open）；在终端中：显示本帮助。";

/// How the command line starts.
enum Start {
    /// A command or a flag: clap parses it.
    Command,
    /// Paths only (a folder or files dropped on the icon): `fix` into `<PATH>-核查结果`.
    Drop(Vec<PathBuf>),
    /// No argument, started from a desktop: the web page.
    Desktop,
    /// No argument, from a terminal: the help.
    Help,
}

/// Tell the default actions from a command before clap sees the arguments: the first argument
/// is a command when it names one (or is a flag, or a plain word that names nothing on disk —
/// a mistyped command, which clap explains); otherwise every argument is a path.
fn start_of(args: &[OsString]) -> Start {
    let Some(first) = args.get(1) else {
        return if started_from_desktop() {
            Start::Desktop
        } else {
            Start::Help
        };
    };
    let word = first.to_string_lossy();
    let known = word.starts_with('-')
        || word == "help"
        || Cli::command()
            .get_subcommands()
            .any(|c| c.get_name() == word || c.get_all_aliases().any(|a| a == word));
    let mistyped = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && std::fs::symlink_metadata(first).is_err();
    if known || mistyped {
        Start::Command
    } else {
        Start::Drop(args[1..].iter().map(PathBuf::from).collect())
    }
}

/// Started by a double-click rather than from a terminal. On Windows, Explorer gives a console
/// program a console of its own (whose input is a terminal too): the test is that no other
/// process shares it. Elsewhere a desktop starts the program with no terminal on its input.
fn started_from_desktop() -> bool {
    console::own() || !std::io::stdin().is_terminal()
}

/// `jixiao` double-clicked: the web page on the usual port (or any free one when another
/// program holds it), opened in the browser.
fn desktop() -> ExitCode {
    println!(
        "jixiao（项目支出绩效自评表核查）网页版正在启动，浏览器将打开核查页面，把装有自评表的文件夹拖到页面上即可。"
    );
    println!("也可以把文件夹直接拖到 jixiao 程序图标上：结果写到该文件夹旁的“<文件夹名>-核查结果”。");
    println!("关闭此窗口即停止网页版。");
    let listen = ["127.0.0.1:8686", "127.0.0.1:0"]
        .into_iter()
        .find(|a| std::net::TcpListener::bind(a).is_ok())
        .unwrap_or("127.0.0.1:0");
    let started = match Cli::try_parse_from(["jixiao", "serve", "--open", "--listen", listen]) {
        Ok(Cli {
            command: Command::Serve(args),
        }) => serve(args),
        Ok(_) => Err(anyhow::anyhow!("serve 参数有误")),
        Err(e) => Err(e.into()),
    };
    match started {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jixiao：网页版无法启动：{e:#}");
            pause_if_own_console();
            ExitCode::from(2)
        }
    }
}

/// `jixiao PATH...`: `fix` into `<PATH>-核查结果`, then where the results are and the tally.
/// Exit codes as `fix`.
fn dropped(paths: &[PathBuf]) -> ExitCode {
    let code = match fix_beside(paths) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jixiao：{e:#}");
            ExitCode::from(2)
        }
    };
    pause_if_own_console();
    code
}

fn fix_beside(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let missing = jixiao::walk::missing(paths);
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
        return Err(run::RunError::Inputs(list.join("；")).into());
    }
    // The settings of `fix` as clap defaults them (a jixiao.toml in the input folder applies).
    let Ok(Cli {
        command: Command::Fix { common, .. },
    }) = Cli::try_parse_from(["jixiao", "fix", "-o", "out", "in"])
    else {
        anyhow::bail!("fix 参数有误");
    };
    let opts = options(&common, paths)?;
    let out = results_folder(&paths[0])?;
    println!("jixiao：正在核查，结果写到 {}", out.display());
    let summary = run::fix_each(paths, &out, &opts, |_| Ok(()))?;
    drop(opts); // clears the progress bar
    println!("核查完成：{}", summary.tally());
    println!("结果在：{}", out.display());
    println!("  summary.xlsx  汇总表：每张自评表一行，每个问题一行");
    println!("  report.json   核查报告（供其他程序读取）");
    println!("  其余 .xlsx    更正后的自评表，与原文件同名，更正处已标色并批注原值");
    if summary.errors > 0 {
        println!("发现 {} 个错误，请打开 summary.xlsx 查看。", summary.errors);
    } else {
        println!("未发现错误。");
    }
    Ok(exit_for(summary.errors > 0))
}

/// `<PATH>-核查结果` beside the first input (for a file, its name without the extension), or
/// `-2`, `-3`… when that exists; created here, so two runs at once never share one. When the
/// input's folder cannot be written (a read-only share, a CD), the same name in the user's
/// desktop (or home) folder.
fn results_folder(first: &Path) -> anyhow::Result<PathBuf> {
    let path = std::path::absolute(first).unwrap_or_else(|_| first.to_path_buf());
    let path = match path.file_name() {
        Some(_) => path,
        None => path.canonicalize().unwrap_or(path), // `.` or `..`
    };
    let name = if path.is_file() {
        path.file_stem()
    } else {
        path.file_name()
    };
    let (beside, mut base) = match (path.parent(), name) {
        (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_os_string()),
        _ => (path.clone(), OsString::new()), // a drive or a share's root
    };
    base.push(if base.is_empty() {
        "核查结果"
    } else {
        "-核查结果"
    });
    let refused = match create_numbered(&beside, &base) {
        Ok(dir) => return Ok(dir),
        Err(e) => e,
    };
    if let Some(dir) = fallback_folder().and_then(|home| create_numbered(&home, &base).ok()) {
        eprintln!(
            "jixiao：无法在 {} 中创建结果文件夹（{refused}），结果改写到 {}",
            beside.display(),
            dir.display()
        );
        return Ok(dir);
    }
    Err(run::RunError::CreateOut {
        path: beside.join(&base).display().to_string(),
        source: refused,
    }
    .into())
}

/// Create `dir/base`, or `dir/base-2`, `-3`… for the first name not taken.
fn create_numbered(dir: &Path, base: &std::ffi::OsStr) -> std::io::Result<PathBuf> {
    for n in 1..10_000 {
        let mut name = base.to_os_string();
        if n > 1 {
            name.push(format!("-{n}"));
        }
        let candidate = dir.join(name);
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "已有过多同名结果文件夹",
    ))
}

/// Where results go when the input's own folder is read-only: the desktop, else home.
fn fallback_folder() -> Option<PathBuf> {
    let home = PathBuf::from(std::env::var_os(if cfg!(windows) {
        "USERPROFILE"
    } else {
        "HOME"
    })?);
    ["Desktop", "桌面"]
        .iter()
        .map(|d| home.join(d))
        .find(|d| d.is_dir())
        .or(Some(home))
}

/// On a console opened for this run alone (a drop or a double-click on Windows) the window
/// closes with the program: wait for Enter so its lines can be read.
fn pause_if_own_console() {
    if console::own() {
        print!("按回车键关闭此窗口……");
        let _ = std::io::stdout().flush();
        let _ = std::io::stdin().read_line(&mut String::new());
    }
}

/// The Windows console: who shares it, and its output code page.
#[cfg(windows)]
mod console {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetConsoleProcessList(list: *mut u32, count: u32) -> u32;
        fn GetConsoleOutputCP() -> u32;
        fn SetConsoleOutputCP(code_page: u32) -> i32;
    }

    const UTF8: u32 = 65001;

    /// The console was opened for this process alone (Explorer started it).
    pub fn own() -> bool {
        let mut ids = [0u32; 4];
        // SAFETY: the buffer holds `ids.len()` entries; the call writes at most that many.
        unsafe { GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) == 1 }
    }

    /// The console's output code page set to UTF-8 while the program runs (programs reading
    /// a pipe from it decode by that code page), the old one restored when dropped.
    pub struct Utf8Output(u32);

    impl Utf8Output {
        pub fn set() -> Utf8Output {
            // SAFETY: plain calls without pointers; 0 means there is no console.
            let old = unsafe { GetConsoleOutputCP() };
            if old != 0 && old != UTF8 {
                unsafe { SetConsoleOutputCP(UTF8) };
            }
            Utf8Output(old)
        }
    }

    impl Drop for Utf8Output {
        fn drop(&mut self) {
            if self.0 != 0 && self.0 != UTF8 {
                // SAFETY: as above.
                unsafe { SetConsoleOutputCP(self.0) };
            }
        }
    }
}

#[cfg(not(windows))]
mod console {
    pub fn own() -> bool {
        false
    }

    pub struct Utf8Output;

    impl Utf8Output {
        pub fn set() -> Utf8Output {
            Utf8Output
        }
    }
}
