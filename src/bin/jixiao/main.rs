//! The `jixiao` binary: parse arguments, call the library, choose the exit code.
//! Exit 0: no error finding; 1: at least one (an unreadable file counts); 2: the tool itself
//! failed or was misused.

mod console;
mod desktop;
mod flags;
mod progress;
mod serve;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use jixiao::form::Layout;
use jixiao::options;
use jixiao::report::JsonStream;
use jixiao::rules::{Code, Settings};
use jixiao::run::{self, Options};

use desktop::{Start, desktop, dropped, start_of};
use flags::SettingFlags;
use progress::Bar;

/// mimalloc for a batch, the system's allocator for `jixiao serve` (see `jixiao::alloc`).
#[global_allocator]
static ALLOCATOR: jixiao::alloc::Allocator = jixiao::alloc::Allocator;

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
    Serve(serve::ServeArgs),
}

#[derive(Args)]
struct Common {
    /// 设置文件 / Settings file (default: jixiao.toml inside the first input folder).
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingFlags,
    /// 上年的自评表（文件或文件夹，可重复）：只用于与本年的指标值比较，不核查、不输出 / Last year's
    /// forms: compared with this year's targets (target-lowered), not reported.
    #[arg(long, value_name = "DIR")]
    previous: Vec<PathBuf>,
    /// 并行线程数 / Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
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
        Command::Serve(args) => serve::serve(args),
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

fn exit_for(errors: bool) -> ExitCode {
    if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The options of `check` and `fix` (defaults, the settings file, the flags: layered by the
/// library), with the progress bar on a terminal.
fn options(common: &Common, paths: &[PathBuf]) -> anyhow::Result<Options> {
    let mut opts = options::from_flags(common.config.as_deref(), paths, &common.settings.0)?;
    opts.jobs = common.jobs;
    opts.previous = common.previous.clone();
    opts.progress = (!common.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none())
        .then(|| Arc::new(Bar::new()) as Arc<dyn run::Progress>);
    Ok(opts)
}

/// What `jixiao --help` says of the two actions without a command.
const DEFAULT_ACTIONS: &str = "\
不带命令 / Without a command:
  jixiao 文件夹或文件...   核查并更正，结果写到第一个输入旁的“<名称>-核查结果”文件夹
                          （已存在时为 -2、-3…）；把文件夹拖到程序图标上即是如此。
                          Same as `fix PATH... -o <PATH>-核查结果`.
  jixiao                  双击启动：打开网页版（serve --open）；在终端中：显示本帮助。";
