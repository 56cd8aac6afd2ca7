//! End-to-end batch benchmark: `check` and `fix` on N canonical forms, against the
//! floor of the same run — calamine reading the same files, rust_xlsxwriter writing as many
//! comparable workbooks with no logic, the files copied byte for byte (the floor of reissuing).
//!
//! ```sh
//! cargo bench --bench batch                        # N = 5,000 (or $JIXIAO_BENCH_N)
//! cargo bench --bench batch -- --n 1000,10000      # several N; prints the RSS ratio
//! cargo bench --bench batch -- --n 2000 --runs 5 --jobs 1 --corpus seed
//! scripts/bench.sh                                 # what docs/performance.md reports
//! ```
//!
//! Options: `--n N[,N…]`, `--runs R` (median of R, default 3), `--jobs J` (default: all cores,
//! as jixiao), `--corpus single|seed` (default single), `--huge N` (only the completion test:
//! generate N files, run the binary's check and fix once each), `--dir BASE` (where the
//! temporary corpus goes), `--bin PATH` (the jixiao binary; default the one cargo built),
//! `--also NAME=PATH` (another build timed beside it, as child processes; repeatable),
//! `--fd-limit K` (RLIMIT_NOFILE of the child runs, default 64), `--keep`; `--help` lists them.
//!
//! Corpora (files are copies of one or two workbooks, so every input costs the same):
//! - `single`: one form per workbook — the seed's two forms, located with `grid` + `locate` and
//!   redrawn with `render::corrected_workbook` (no findings), alternating between the two. Each
//!   file has the form sheet and an (empty) 核查意见 sheet, as `fix` writes them.
//! - `seed`: byte copies of `samples/seed_2024.xlsx`, two forms (two sheets) per workbook.
//!
//! Time is measured in this process (`jixiao::run::check` / `run::fix`, the floors with a rayon
//! pool of the same size); peak RSS by running the built binary (and this benchmark, re-run in
//! a child mode, for the floors) as a child process and reading `ru_maxrss` from `wait4`, forked
//! by a small helper process (see [`Spawner`] for why). Every child runs with a low open-file
//! limit, so a handle kept open per input would fail the run.
//!
//! The files under `benches/batch/`: `corpus.rs` (the generated inputs), `floors.rs` (floors A, B
//! and C), `measure.rs` (in-process timing and medians), `spawner.rs` (child processes and their peak
//! RSS), `runs.rs` (one N, and the completion run), `report.rs` (what is printed).

// A measuring harness: getrusage, sysconf, sync and rlimits are system calls.
#![allow(unsafe_code)]

#[path = "batch/corpus.rs"]
mod corpus;
#[path = "batch/floors.rs"]
mod floors;
#[path = "batch/measure.rs"]
mod measure;
#[path = "batch/report.rs"]
mod report;
#[path = "batch/runs.rs"]
mod runs;
#[path = "batch/spawner.rs"]
mod spawner;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap::Parser;

use corpus::Corpus;
use spawner::Spawner;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The allocator of jixiao's own programs, so that `run::check` and `run::fix` in this process
/// allocate as the `jixiao` binary does (and the floors with them).
#[global_allocator]
static ALLOCATOR: jixiao::alloc::Allocator = jixiao::alloc::Allocator;

/// The benchmark's options (see the module docs). `cargo bench` adds `--bench`, ignored.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "batch",
    about = "End-to-end batch benchmark: jixiao check and fix against the floor of the same run",
    override_usage = "cargo bench --bench batch -- [OPTIONS]"
)]
struct Args {
    /// Workbooks per corpus, several comma-separated (`1000,10000` prints the peak-RSS ratio)
    /// [default: $JIXIAO_BENCH_N, or 5000]
    #[arg(long = "n", value_name = "N[,N...]", value_delimiter = ',', value_parser = count)]
    ns: Vec<usize>,
    /// Runs per N; each figure is the median of the runs
    #[arg(long, value_name = "R", default_value_t = 3)]
    runs: usize,
    /// Worker threads, of jixiao and of the floors' rayon pool [default: all cores]
    #[arg(long, short = 'j', value_name = "J", default_value_t = cores(), hide_default_value = true)]
    jobs: usize,
    /// The corpus: one form per workbook, or copies of the seed workbook (two forms)
    #[arg(long, value_enum, default_value_t = Corpus::Single)]
    corpus: Corpus,
    /// Only the completion test: generate N files, run the binary's check and fix once each
    #[arg(long, value_name = "N", value_parser = count)]
    huge: Option<usize>,
    /// Where the temporary corpus goes [default: the system's temporary folder]
    #[arg(long, value_name = "BASE")]
    dir: Option<PathBuf>,
    /// The jixiao binary [default: $JIXIAO_BIN, or the one cargo built]
    #[arg(long, value_name = "PATH", default_value_os_t = default_bin(), hide_default_value = true)]
    bin: PathBuf,
    /// Another build to time beside it as child processes (check, fix, fix --standard), e.g.
    /// `--also "linux-x86_64=dist/jixiao"`; PATH may be a script (`exec wine jixiao.exe "$@"`)
    #[arg(long, value_name = "NAME=PATH", value_parser = build)]
    also: Vec<(String, PathBuf)>,
    /// RLIMIT_NOFILE of the child runs
    #[arg(long, value_name = "K", default_value_t = 64)]
    fd_limit: u64,
    /// Keep the corpus and the outputs (the folder is printed)
    #[arg(long)]
    keep: bool,
    /// Passed by `cargo bench` to every bench target
    #[arg(long, hide = true)]
    bench: bool,
    /// Floor A alone, over the files under DIR with J threads (prints the cells seen)
    #[arg(long, num_args = 2, value_names = ["DIR", "J"], help_heading = CHILD_MODES)]
    child_read: Option<Vec<String>>,
    /// Floor B alone: the first file under DIR written again as many times under OUT, J threads
    #[arg(long, num_args = 3, value_names = ["DIR", "OUT", "J"], help_heading = CHILD_MODES)]
    child_write: Option<Vec<String>>,
    /// Floor C alone: every file under DIR copied under OUT, J threads
    #[arg(long, num_args = 3, value_names = ["DIR", "OUT", "J"], help_heading = CHILD_MODES)]
    child_copy: Option<Vec<String>>,
}

const CHILD_MODES: &str = "Child modes (run by the benchmark itself, and by scripts/bench.sh --profile)";

/// A count as written on the command line or in `$JIXIAO_BENCH_N`: `10_000` reads as 10000.
fn count(s: &str) -> Result<usize, std::num::ParseIntError> {
    s.trim().replace('_', "").parse()
}

/// `NAME=PATH` of `--also`.
fn build(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, path)) if !name.trim().is_empty() && !path.is_empty() => {
            Ok((name.trim().to_string(), PathBuf::from(path)))
        }
        _ => Err(format!("expected NAME=PATH, got {s:?}")),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn default_bin() -> PathBuf {
    std::env::var_os("JIXIAO_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_jixiao")))
}

impl Args {
    /// The options of a benchmark run: `--n` from `$JIXIAO_BENCH_N` (or 5000) when not given,
    /// and every count positive.
    fn checked(mut self) -> Result<Args, Error> {
        if self.ns.is_empty() {
            self.ns = vec![match std::env::var("JIXIAO_BENCH_N") {
                Ok(v) => count(&v)?,
                Err(_) => 5000,
            }];
        }
        if self.runs == 0 || self.jobs == 0 || self.ns.contains(&0) {
            return Err("--n, --runs and --jobs must be positive".into());
        }
        Ok(self)
    }
}

fn main() {
    // The spawner and the empty child run before anything else, argument parsing included: every
    // measured child starts from the spawner's peak RSS (see `Spawner`), and the empty child's is
    // the floor printed at start.
    let first = std::env::args_os().nth(1);
    if first.as_deref() == Some(OsStr::new("--spawner")) {
        spawner::spawner_main();
        return;
    }
    if first.as_deref() == Some(OsStr::new("--noop")) {
        return;
    }
    let args = Args::parse();
    // Child modes: the floors, run as a separate process so their peak RSS can be read.
    if let Some([dir, jobs]) = args.child_read.as_deref() {
        let files = corpus::list_files(Path::new(dir)).expect("list");
        let pool = floors::pool(jobs.parse().expect("jobs"));
        let cells = floors::floor_read(&pool, &files).expect("floor read");
        println!("{cells}");
        return;
    }
    if let Some([dir, out, jobs]) = args.child_write.as_deref() {
        let files = corpus::list_files(Path::new(dir)).expect("list");
        let template = floors::Template::read(&files[0]).expect("template");
        let targets = corpus::output_paths(Path::new(out), files.len());
        corpus::make_dirs(&targets).expect("dirs");
        let pool = floors::pool(jobs.parse().expect("jobs"));
        floors::floor_write(&pool, &template, &targets).expect("floor write");
        return;
    }
    if let Some([dir, out, jobs]) = args.child_copy.as_deref() {
        let files = corpus::list_files(Path::new(dir)).expect("list");
        let targets = corpus::output_paths(Path::new(out), files.len());
        corpus::make_dirs(&targets).expect("dirs");
        let pool = floors::pool(jobs.parse().expect("jobs"));
        floors::floor_copy(&pool, &files, &targets).expect("floor copy");
        return;
    }
    if let Err(e) = args.checked().and_then(real_main) {
        eprintln!("batch bench: {e}");
        std::process::exit(2);
    }
}

fn real_main(args: Args) -> Result<(), Error> {
    // Started first, while this process is still small: see `Spawner`.
    let mut spawner = Spawner::start()?;
    if !args.bin.is_file() {
        return Err(format!(
            "no jixiao binary at {} (run `cargo build --release` or pass --bin)",
            args.bin.display()
        )
        .into());
    }
    if let Some((name, path)) = args.also.iter().find(|(_, p)| !p.is_file()) {
        return Err(format!("--also {name}: no program at {}", path.display()).into());
    }
    let base = tempfile::Builder::new()
        .prefix("jixiao-bench-")
        .tempdir_in(args.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    report::print_machine(&args, base.path());
    let noop = spawner.run(
        &[std::env::current_exe()?.into_os_string(), "--noop".into()],
        args.fd_limit,
        &base.path().join("noop.stdout"),
        &base.path().join("noop.stderr"),
    )?;
    println!(
        "peak RSS of an empty child (the measurement's own floor): {:.1} MB",
        noop.rss_kb as f64 / 1024.0
    );

    if let Some(n) = args.huge {
        runs::huge(&args, &mut spawner, base.path(), n)?;
    } else {
        let mut results = Vec::new();
        for &n in &args.ns {
            results.push(runs::bench_n(&args, &mut spawner, base.path(), n)?);
        }
        report::verdict(&results);
    }
    if args.keep {
        let kept = base.keep();
        println!("kept {}", kept.display());
    }
    Ok(())
}
