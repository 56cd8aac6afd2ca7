//! The two actions without a command: a folder (or files) dropped on the program's icon is
//! corrected into `<name>-核查结果` beside it; a double-click opens the web page. Both only call
//! the library, as the commands do.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use jixiao::names::{self, ResultsFolder};
use jixiao::run;

use crate::serve::serve;
use crate::{Cli, Command, console, exit_for};

/// How the command line starts.
pub enum Start {
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
pub fn start_of(args: &[OsString]) -> Start {
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
pub fn desktop() -> ExitCode {
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
pub fn dropped(paths: &[PathBuf]) -> ExitCode {
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
    let opts = crate::options(&common, paths)?;
    let out = match names::results_folder(&paths[0]) {
        Ok(ResultsFolder { path, refused: None }) => path,
        Ok(ResultsFolder {
            path,
            refused: Some((beside, why)),
        }) => {
            eprintln!(
                "jixiao：无法在 {} 中创建结果文件夹（{why}），结果改写到 {}",
                beside.display(),
                path.display()
            );
            path
        }
        Err((path, source)) => {
            return Err(run::RunError::CreateOut {
                path: path.display().to_string(),
                source,
            }
            .into());
        }
    };
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

/// On a console opened for this run alone (a drop or a double-click on Windows) the window
/// closes with the program: wait for Enter so its lines can be read.
pub fn pause_if_own_console() {
    if console::own() {
        print!("按回车键关闭此窗口……");
        let _ = std::io::stdout().flush();
        let _ = std::io::stdin().read_line(&mut String::new());
    }
}

/// Open `url` in the desktop's default browser; a failure only means the user opens it.
pub fn open_browser(url: &str) {
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
