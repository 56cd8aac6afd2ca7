//! End-to-end batch benchmark: `check` and `fix` on N canonical forms, against the
//! floor of the same run — calamine reading the same files, rust_xlsxwriter writing as many
//! comparable workbooks with no logic.
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
//! `--fd-limit K` (RLIMIT_NOFILE of the child runs, default 64), `--keep`.
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

use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use calamine::{Data, Reader, Xlsx, open_workbook};
use rayon::prelude::*;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use jixiao::grid::{self, Limits};
use jixiao::locate;
use jixiao::render::{self, CorrectedForm};
use jixiao::run::{self, Options};

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/seed_2024.xlsx");
/// Files per sub-folder of the generated corpus.
const PER_DIR: usize = 1000;

// The targets docs/performance.md states.
const CHECK_RATIO_TARGET: f64 = 1.5;
const FIX_RATIO_TARGET: f64 = 1.5;
const RSS_10K_TARGET_MB: f64 = 150.0;
const RSS_GROWTH_TARGET: f64 = 1.2;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corpus {
    Single,
    Seed,
}

impl Corpus {
    fn describe(self) -> &'static str {
        match self {
            Corpus::Single => {
                "single: one form per workbook (the seed's two forms redrawn by render::corrected_workbook, \
                 alternating; sheets = form + empty 核查意见)"
            }
            Corpus::Seed => "seed: copies of samples/seed_2024.xlsx, two forms (two sheets) per workbook",
        }
    }
    fn forms_per_file(self) -> usize {
        match self {
            Corpus::Single => 1,
            Corpus::Seed => 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Args {
    ns: Vec<usize>,
    runs: usize,
    jobs: usize,
    corpus: Corpus,
    huge: Option<usize>,
    dir: Option<PathBuf>,
    bin: PathBuf,
    fd_limit: u64,
    keep: bool,
}

fn parse_args() -> Result<Args, Error> {
    let default_n: usize = match std::env::var("JIXIAO_BENCH_N") {
        Ok(v) => v.trim().replace('_', "").parse()?,
        Err(_) => 5000,
    };
    let mut args = Args {
        ns: vec![default_n],
        runs: 3,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        corpus: Corpus::Single,
        huge: None,
        dir: None,
        bin: std::env::var_os("JIXIAO_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_jixiao"))),
        fd_limit: 64,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || -> Result<String, Error> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{key} needs a value").into())
        };
        match key.as_str() {
            "--n" => {
                args.ns = value()?
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()?
            }
            "--runs" => args.runs = value()?.parse()?,
            "--jobs" | "-j" => args.jobs = value()?.parse()?,
            "--corpus" => {
                args.corpus = match value()?.as_str() {
                    "single" => Corpus::Single,
                    "seed" => Corpus::Seed,
                    other => return Err(format!("unknown corpus {other} (single|seed)").into()),
                }
            }
            "--huge" => args.huge = Some(value()?.replace('_', "").parse()?),
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--bin" => args.bin = PathBuf::from(value()?),
            "--fd-limit" => args.fd_limit = value()?.parse()?,
            "--keep" => args.keep = true,
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            "--help" | "-h" => {
                println!("{}", HELP);
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{HELP}").into()),
        }
    }
    if args.runs == 0 || args.jobs == 0 || args.ns.contains(&0) {
        return Err("--n, --runs and --jobs must be positive".into());
    }
    Ok(args)
}

const HELP: &str = "cargo bench --bench batch -- [--n N[,N...]] [--runs R] [--jobs J] \
[--corpus single|seed] [--huge N] [--dir BASE] [--bin PATH] [--fd-limit K] [--keep]\n\
child modes (used by the benchmark itself): --child-read DIR J | --child-write DIR OUT J";

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() >= 2 && argv[1] == "--spawner" {
        spawner_main();
        return;
    }
    if argv.len() >= 2 && argv[1] == "--noop" {
        return;
    }
    // Child modes: the floors, run as a separate process so their peak RSS can be read.
    if argv.len() >= 4 && argv[1] == "--child-read" {
        let files = list_files(Path::new(&argv[2])).expect("list");
        let pool = pool(argv[3].parse().expect("jobs"));
        let cells = floor_read(&pool, &files).expect("floor read");
        println!("{cells}");
        return;
    }
    if argv.len() >= 5 && argv[1] == "--child-write" {
        let files = list_files(Path::new(&argv[2])).expect("list");
        let template = Template::read(&files[0]).expect("template");
        let out = PathBuf::from(&argv[3]);
        let targets = output_paths(&out, files.len());
        make_dirs(&targets).expect("dirs");
        let pool = pool(argv[4].parse().expect("jobs"));
        floor_write(&pool, &template, &targets).expect("floor write");
        return;
    }
    if let Err(e) = real_main() {
        eprintln!("batch bench: {e}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<(), Error> {
    let args = parse_args()?;
    // Started first, while this process is still small: see `Spawner`.
    let mut spawner = Spawner::start()?;
    if !args.bin.is_file() {
        return Err(format!(
            "no jixiao binary at {} (run `cargo build --release` or pass --bin)",
            args.bin.display()
        )
        .into());
    }
    let base = tempfile::Builder::new()
        .prefix("jixiao-bench-")
        .tempdir_in(args.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    print_machine(&args, base.path());
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
        huge(&args, &mut spawner, base.path(), n)?;
    } else {
        let mut results = Vec::new();
        for &n in &args.ns {
            results.push(bench_n(&args, &mut spawner, base.path(), n)?);
        }
        verdict(&results);
    }
    if args.keep {
        let kept = base.keep();
        println!("kept {}", kept.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The corpus

/// Write `n` workbooks under `dir/dNNN/fNNNNNN.xlsx`; returns their paths in order.
fn generate(corpus: Corpus, dir: &Path, n: usize) -> Result<Vec<PathBuf>, Error> {
    let variants: Vec<Vec<u8>> = match corpus {
        Corpus::Seed => vec![fs::read(SEED)?],
        Corpus::Single => {
            let grids = grid::read_workbook(Path::new(SEED), &Limits::default())?;
            let forms: Vec<_> = grids.iter().flat_map(|g| locate::locate(g).forms).collect();
            if forms.is_empty() {
                return Err("no form located in samples/seed_2024.xlsx".into());
            }
            forms
                .iter()
                .map(|form| render::corrected_workbook(&[CorrectedForm { form, findings: &[] }]))
                .collect::<Result<_, _>>()?
        }
    };
    let paths = output_paths(dir, n);
    make_dirs(&paths)?;
    paths
        .par_iter()
        .enumerate()
        .try_for_each(|(i, p)| fs::write(p, &variants[i % variants.len()]))?;
    // Write the new files back now, so the kernel's writeback does not compete with what is
    // measured next.
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    Ok(paths)
}

fn output_paths(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            dir.join(format!("d{:03}", i / PER_DIR))
                .join(format!("f{i:06}.xlsx"))
        })
        .collect()
}

fn make_dirs(paths: &[PathBuf]) -> io::Result<()> {
    let mut last: Option<&Path> = None;
    for p in paths {
        let parent = p.parent().expect("parent");
        if last != Some(parent) {
            fs::create_dir_all(parent)?;
            last = Some(parent);
        }
    }
    Ok(())
}

fn list_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn pool(jobs: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("thread pool")
}

// ---------------------------------------------------------------------------------------------
// The floors

/// Floor A: calamine opens each workbook, reads every sheet's cells and merged regions.
/// Returns the number of non-empty cells plus regions seen (so nothing is optimised away).
fn floor_read(pool: &rayon::ThreadPool, files: &[PathBuf]) -> Result<usize, Error> {
    pool.install(|| {
        files
            .par_iter()
            .map(|path| -> Result<usize, String> {
                let mut xlsx: Xlsx<_> =
                    open_workbook(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let mut seen = 0;
                for name in xlsx.sheet_names() {
                    let range = xlsx.worksheet_range(&name).map_err(|e| e.to_string())?;
                    seen += range.used_cells().count();
                    seen += xlsx
                        .merge_cells_by_sheet_name(&name)
                        .map_err(|e| e.to_string())?
                        .len();
                }
                Ok(std::hint::black_box(seen))
            })
            .sum::<Result<usize, String>>()
            .map_err(Into::into)
    })
}

/// The content of one input workbook (sheets, cells, merges), read once before timing, which
/// floor B writes again and again.
struct Template {
    sheets: Vec<SheetTemplate>,
}

struct SheetTemplate {
    name: String,
    cells: Vec<(u32, u16, Data)>,
    merges: Vec<(u32, u16, u32, u16)>,
}

impl Template {
    fn read(path: &Path) -> Result<Template, Error> {
        let mut xlsx: Xlsx<_> = open_workbook(path)?;
        let mut sheets = Vec::new();
        for name in xlsx.sheet_names() {
            let range = xlsx.worksheet_range(&name)?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let cells = range
                .used_cells()
                .map(|(r, c, d)| (r0 + r as u32, (c0 as usize + c) as u16, d.clone()))
                .collect();
            let merges = xlsx
                .merge_cells_by_sheet_name(&name)?
                .iter()
                .map(|d| (d.start.0, d.start.1 as u16, d.end.0, d.end.1 as u16))
                .collect();
            sheets.push(SheetTemplate { name, cells, merges });
        }
        Ok(Template { sheets })
    }

    fn cells(&self) -> usize {
        self.sheets.iter().map(|s| s.cells.len()).sum()
    }

    fn merges(&self) -> usize {
        self.sheets.iter().map(|s| s.merges.len()).sum()
    }
}

/// Floor B: rust_xlsxwriter writes the template's sheets, cells and merges (one format, 宋体
/// with thin borders) to each target, no logic. Buffer, then one write per file.
fn floor_write(pool: &rayon::ThreadPool, template: &Template, targets: &[PathBuf]) -> Result<(), Error> {
    pool.install(|| {
        targets.par_iter().try_for_each(|path| -> Result<(), String> {
            let bytes = write_one(template).map_err(|e| e.to_string())?;
            fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
        })
    })?;
    Ok(())
}

fn write_one(template: &Template) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let format = Format::new()
        .set_font_name("宋体")
        .set_font_size(10)
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let mut wb = Workbook::new();
    for sheet in &template.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        for &(r1, c1, r2, c2) in &sheet.merges {
            ws.merge_range(r1, c1, r2, c2, "", &format)?;
        }
        for (r, c, d) in &sheet.cells {
            match d {
                Data::Float(f) => ws.write_number_with_format(*r, *c, *f, &format)?,
                Data::Int(i) => ws.write_number_with_format(*r, *c, *i as f64, &format)?,
                Data::DateTime(dt) => ws.write_number_with_format(*r, *c, dt.as_f64(), &format)?,
                Data::Bool(b) => ws.write_boolean_with_format(*r, *c, *b, &format)?,
                other => ws.write_string_with_format(*r, *c, other.to_string(), &format)?,
            };
        }
    }
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------------------------
// Measuring

#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    wall: f64,
    /// User + system CPU seconds of this process (all threads) over the measurement.
    cpu: f64,
    /// Cores kept busy by other processes on the machine meanwhile (from /proc/stat): the
    /// noise of this measurement.
    other: f64,
}

/// Busy CPU seconds of the whole machine so far (all but idle and iowait in /proc/stat).
fn machine_busy_seconds() -> f64 {
    let stat = fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().next() else {
        return 0.0;
    };
    let f: Vec<f64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() < 5 {
        return 0.0;
    }
    // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait.
    let busy: f64 = f.iter().sum::<f64>() - f[3] - f[4];
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    busy / hz
}

fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Sample) {
    let (m0, c0, t0) = (machine_busy_seconds(), cpu_seconds(), Instant::now());
    let out = f();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    let other = ((machine_busy_seconds() - m0 - cpu) / wall).max(0.0);
    (out, Sample { wall, cpu, other })
}

/// A child process's wall time, peak RSS and exit code.
#[derive(Debug, Clone, Copy)]
struct ChildRun {
    wall: f64,
    rss_kb: i64,
    code: i32,
    /// User + system CPU seconds of the child.
    cpu: f64,
    /// Cores kept busy by other processes meanwhile (see [`Sample::other`]).
    other: f64,
}

/// Runs the child processes whose peak RSS is measured.
///
/// On Linux a process's `ru_maxrss` starts at the high-water mark of the process that forked it
/// (the parent's memory is carried into the child until `exec`, and the mark survives `exec`).
/// Forked from this benchmark after it has read thousands of workbooks, every child would
/// report at least the benchmark's own peak. So children are forked by a helper — this
/// executable re-run with `--spawner` — started while the benchmark is still small; it runs
/// each command (with `RLIMIT_NOFILE` lowered), reaps it with `wait4`, and answers with the
/// exit code, `ru_maxrss` and the wall time. The empty child's RSS printed at start is the
/// floor below which no measurement can go.
struct Spawner {
    child: std::process::Child,
    to: Option<std::process::ChildStdin>,
    from: io::BufReader<std::process::ChildStdout>,
}

impl Spawner {
    fn start() -> Result<Spawner, Error> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--spawner")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let to = child.stdin.take().ok_or("spawner stdin")?;
        let from = io::BufReader::new(child.stdout.take().ok_or("spawner stdout")?);
        Ok(Spawner {
            child,
            to: Some(to),
            from,
        })
    }

    /// Run `argv` with stdout and stderr sent to the given files.
    fn run(
        &mut self,
        argv: &[std::ffi::OsString],
        fd_limit: u64,
        stdout: &Path,
        stderr: &Path,
    ) -> Result<ChildRun, Error> {
        use std::io::{BufRead, Write};
        let mut fields = vec![fd_limit.to_string(), path_str(stdout)?, path_str(stderr)?];
        for a in argv {
            fields.push(a.to_str().ok_or("non-UTF-8 argument")?.to_string());
        }
        if fields.iter().any(|f| f.contains(['\t', '\n'])) {
            return Err("tab or newline in a child argument".into());
        }
        let to = self.to.as_mut().ok_or("spawner closed")?;
        writeln!(to, "{}", fields.join("\t"))?;
        to.flush()?;
        let busy0 = machine_busy_seconds();
        let mut line = String::new();
        self.from.read_line(&mut line)?;
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["ok", code, rss, wall, cpu] => {
                let (wall, cpu): (f64, f64) = (wall.parse()?, cpu.parse()?);
                Ok(ChildRun {
                    code: code.parse()?,
                    rss_kb: rss.parse()?,
                    wall,
                    cpu,
                    other: ((machine_busy_seconds() - busy0 - cpu) / wall).max(0.0),
                })
            }
            _ => Err(format!("spawner: {}", line.trim()).into()),
        }
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        // End of its input ends the spawner's loop.
        drop(self.to.take());
        let _ = self.child.wait();
    }
}

fn path_str(p: &Path) -> Result<String, Error> {
    Ok(p.to_str().ok_or("non-UTF-8 path")?.to_string())
}

/// `--spawner`: read `fd_limit \t stdout \t stderr \t argv…` lines, run each, answer
/// `ok CODE MAXRSS_KB WALL_SECONDS` (or `err MESSAGE`).
fn spawner_main() {
    use std::io::{BufRead, Write};
    let stdin = io::stdin();
    let mut stdout = io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = match spawn_one(&line) {
            Ok(r) => format!("ok {} {} {} {}", r.code, r.rss_kb, r.wall, r.cpu),
            Err(e) => format!("err {}", e.to_string().replace('\n', " ")),
        };
        if writeln!(stdout, "{answer}").and_then(|_| stdout.flush()).is_err() {
            break;
        }
    }
}

fn spawn_one(line: &str) -> Result<ChildRun, Error> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() < 4 {
        return Err(format!("bad request {line:?}").into());
    }
    let fd_limit: u64 = fields[0].parse()?;
    let mut cmd = Command::new(fields[3]);
    cmd.args(&fields[4..])
        .stdin(Stdio::null())
        .stdout(fs::File::create(fields[1])?)
        .stderr(fs::File::create(fields[2])?);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: fd_limit as libc::rlim_t,
                rlim_max: fd_limit as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let t0 = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped; wait4 writes only into the two locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let wall = t0.elapsed().as_secs_f64();
    // Reaped by wait4: dropping `child` neither waits nor kills.
    drop(child);
    if r != pid {
        return Err(format!("wait4: {}", io::Error::last_os_error()).into());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(ChildRun {
        wall,
        rss_kb: ru.ru_maxrss,
        code,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        other: 0.0,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn median_sample(v: &[Sample]) -> Sample {
    Sample {
        wall: median(v.iter().map(|s| s.wall).collect()),
        cpu: median(v.iter().map(|s| s.cpu).collect()),
        other: median(v.iter().map(|s| s.other).collect()),
    }
}

fn median_child(v: &[ChildRun]) -> ChildRun {
    ChildRun {
        wall: median(v.iter().map(|c| c.wall).collect()),
        rss_kb: median(v.iter().map(|c| c.rss_kb as f64).collect()) as i64,
        code: v.iter().map(|c| c.code).max().unwrap_or(0),
        cpu: median(v.iter().map(|c| c.cpu).collect()),
        other: median(v.iter().map(|c| c.other).collect()),
    }
}

// ---------------------------------------------------------------------------------------------
// One N

struct NResult {
    n: usize,
    floor_read: Sample,
    floor_write: Sample,
    check: Sample,
    fix: Sample,
    child_check: ChildRun,
    child_fix: ChildRun,
    /// Median over the runs of each run's own ratio (check / floor A, fix / (A + B)): the
    /// steps of one run are interleaved within a minute, so a slow spell of the shared machine
    /// slows floor and jixiao alike and cancels out of that run's ratio.
    check_ratio: f64,
    fix_ratio: f64,
}

fn bench_n(args: &Args, spawner: &mut Spawner, base: &Path, n: usize) -> Result<NResult, Error> {
    let root = base.join(format!("n{n}"));
    let input = root.join("in");
    println!();
    println!(
        "== N = {n} workbooks, {} thread(s), median of {} run(s) ==",
        args.jobs, args.runs
    );
    let (files, made) = measure(|| generate(args.corpus, &input, n));
    let files = files?;
    let template = Template::read(&files[0])?;
    let bytes: u64 = fs::metadata(&files[0])?.len();
    println!(
        "corpus: {}\n        {} sheet(s), {} non-empty cells, {} merged regions, {} bytes per file; generated in {:.1} s",
        args.corpus.describe(),
        template.sheets.len(),
        template.cells(),
        template.merges(),
        bytes,
        made.wall
    );

    let pool = pool(args.jobs);
    let opts = Options {
        jobs: Some(args.jobs),
        ..Options::default()
    };
    let inputs = [input.clone()];
    let write_dir = root.join("floor-write");
    let write_targets = output_paths(&write_dir, n);
    let out = root.join("out");
    let expected_forms = n * args.corpus.forms_per_file();

    let (mut a, mut b, mut c, mut f) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run_no in 1..=args.runs {
        // Floor A.
        let (cells, s) = measure(|| floor_read(&pool, &files));
        cells?;
        a.push(s);
        // Floor B (into a fresh folder tree).
        let _ = fs::remove_dir_all(&write_dir);
        make_dirs(&write_targets)?;
        let (r, s) = measure(|| floor_write(&pool, &template, &write_targets));
        r?;
        b.push(s);
        // check.
        let (report, s) = measure(|| run::check(&inputs, &opts));
        let report = report?;
        sanity("check", &report.summary, n, expected_forms)?;
        drop(report);
        c.push(s);
        // fix (into a fresh OUT).
        let _ = fs::remove_dir_all(&out);
        let (report, s) = measure(|| run::fix(&inputs, &out, &opts));
        let report = report?;
        sanity("fix", &report.summary, n, expected_forms)?;
        let written = report.files.iter().filter(|f| f.output.is_some()).count();
        if written != n {
            return Err(format!("fix wrote {written} corrected workbooks for {n} inputs").into());
        }
        drop(report);
        f.push(s);
        let i = run_no - 1;
        println!(
            "  run {run_no}: read floor {:.2} s, write floor {:.2} s, check {:.2} s ({:.2}×), fix {:.2} s ({:.2}×) \
             (other processes kept {:.1} / {:.1} / {:.1} / {:.1} cores busy)",
            a[i].wall,
            b[i].wall,
            c[i].wall,
            c[i].wall / a[i].wall,
            f[i].wall,
            f[i].wall / (a[i].wall + b[i].wall),
            a[i].other,
            b[i].other,
            c[i].other,
            f[i].other,
        );
    }

    // Child processes: peak RSS (and wall time including start-up and printing the report).
    let exe = std::env::current_exe()?;
    let jobs = args.jobs.to_string();
    let (mut cr, mut cw, mut cc, mut cf) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let log = |name: &str| {
        (
            root.join(format!("{name}.stdout")),
            root.join(format!("{name}.stderr")),
        )
    };
    let mut child =
        |what: &str, name: &str, argv: Vec<&std::ffi::OsStr>, max_ok: i32| -> Result<ChildRun, Error> {
            let (so, se) = log(name);
            let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
            expect_ok(what, spawner.run(&argv, args.fd_limit, &so, &se)?, &se, max_ok)
        };
    for _ in 0..args.runs {
        cr.push(child(
            "floor read (child)",
            "child-read",
            vec![
                exe.as_os_str(),
                "--child-read".as_ref(),
                input.as_os_str(),
                jobs.as_ref(),
            ],
            0,
        )?);
        let _ = fs::remove_dir_all(&write_dir);
        cw.push(child(
            "floor write (child)",
            "child-write",
            vec![
                exe.as_os_str(),
                "--child-write".as_ref(),
                input.as_os_str(),
                write_dir.as_os_str(),
                jobs.as_ref(),
            ],
            0,
        )?);
        cc.push(child(
            "jixiao check",
            "check",
            vec![
                args.bin.as_os_str(),
                "check".as_ref(),
                input.as_os_str(),
                "-j".as_ref(),
                jobs.as_ref(),
                "-q".as_ref(),
            ],
            1,
        )?);
        let _ = fs::remove_dir_all(&out);
        cf.push(child(
            "jixiao fix",
            "fix",
            vec![
                args.bin.as_os_str(),
                "fix".as_ref(),
                input.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
                "-j".as_ref(),
                jobs.as_ref(),
                "-q".as_ref(),
            ],
            1,
        )?);
        child_fix_sanity(&out, n, expected_forms)?;
    }
    let tally = last_line(&log("check").0);

    let res = NResult {
        n,
        floor_read: median_sample(&a),
        floor_write: median_sample(&b),
        check: median_sample(&c),
        fix: median_sample(&f),
        child_check: median_child(&cc),
        child_fix: median_child(&cf),
        check_ratio: median(c.iter().zip(&a).map(|(c, a)| c.wall / a.wall).collect()),
        fix_ratio: median(
            f.iter()
                .zip(a.iter().zip(&b))
                .map(|(f, (a, b))| f.wall / (a.wall + b.wall))
                .collect(),
        ),
    };
    let floor_rss = (median_child(&cr), median_child(&cw));
    print_table(&res, floor_rss);
    println!("jixiao check (child) said: {tally}");
    if !args.keep {
        let _ = fs::remove_dir_all(&root);
    }
    Ok(res)
}

fn sanity(what: &str, s: &jixiao::report::Summary, n: usize, forms: usize) -> Result<(), Error> {
    if s.files != n || s.forms != forms || s.unreadable != 0 || s.no_form != 0 {
        return Err(format!(
            "{what}: expected {n} files and {forms} forms, got {} files, {} forms, {} unreadable, {} without a form",
            s.files, s.forms, s.unreadable, s.no_form
        )
        .into());
    }
    Ok(())
}

fn child_fix_sanity(out: &Path, n: usize, forms: usize) -> Result<(), Error> {
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json"))?)?;
    let s = &json["summary"];
    let get = |k: &str| s[k].as_u64().unwrap_or(u64::MAX) as usize;
    if get("files") != n || get("forms") != forms || get("unreadable") != 0 {
        return Err(format!("jixiao fix (child): report.json summary {s} for {n} inputs").into());
    }
    Ok(())
}

/// A child run must end with an exit code ≤ `max_ok` (check/fix exit 1 on error findings).
fn expect_ok(what: &str, run: ChildRun, stderr: &Path, max_ok: i32) -> Result<ChildRun, Error> {
    if run.code < 0 || run.code > max_ok {
        let err = fs::read_to_string(stderr).unwrap_or_default();
        return Err(format!("{what} exited with {}: {}", run.code, err.trim()).into());
    }
    Ok(run)
}

fn last_line(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Output

fn print_machine(args: &Args, base: &Path) {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let mem = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("MemTotal")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1048576.0
            })
        })
        .unwrap_or(0.0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("jixiao batch benchmark");
    println!("machine: {cores} core(s), {cpu}, {mem:.1} GiB RAM");
    println!("binary:  {}", args.bin.display());
    println!("corpus under {}", base.display());
    println!("child runs: RLIMIT_NOFILE = {}", args.fd_limit);
}

fn print_table(r: &NResult, (cr, cw): (ChildRun, ChildRun)) {
    let n = r.n as f64;
    let floor_rw = Sample {
        wall: r.floor_read.wall + r.floor_write.wall,
        cpu: r.floor_read.cpu + r.floor_write.cpu,
        other: (r.floor_read.other * r.floor_read.wall + r.floor_write.other * r.floor_write.wall)
            / (r.floor_read.wall + r.floor_write.wall),
    };
    let mb = |kb: i64| kb as f64 / 1024.0;
    println!();
    println!(
        "{:<31} {:>8} {:>8} {:>9} {:>11} {:>8} {:>7} {:>9} {:>7}",
        "step (in process, median)",
        "total s",
        "µs/wb",
        "CPU µs/wb",
        "workbooks/s",
        "RSS MB",
        "ratio",
        "CPU ratio",
        "others"
    );
    let row = |name: &str, s: Sample, rss: Option<f64>, floor: Option<(f64, Sample)>| {
        println!(
            "{:<31} {:>8.3} {:>8.0} {:>9.0} {:>11.0} {:>8} {:>7} {:>9} {:>7.1}",
            name,
            s.wall,
            s.wall / n * 1e6,
            s.cpu / n * 1e6,
            n / s.wall,
            rss.map_or("-".into(), |m| format!("{m:.1}")),
            floor.map_or("-".into(), |(ratio, _)| format!("{ratio:.2}×")),
            floor.map_or("-".into(), |(_, f)| format!("{:.2}×", s.cpu / f.cpu)),
            s.other,
        )
    };
    row("floor A: calamine read", r.floor_read, Some(mb(cr.rss_kb)), None);
    row(
        "floor B: rust_xlsxwriter write",
        r.floor_write,
        Some(mb(cw.rss_kb)),
        None,
    );
    row("floor A + B", floor_rw, None, None);
    row(
        "check (run::check)",
        r.check,
        Some(mb(r.child_check.rss_kb)),
        Some((r.check_ratio, r.floor_read)),
    );
    row(
        "fix (run::fix)",
        r.fix,
        Some(mb(r.child_fix.rss_kb)),
        Some((r.fix_ratio, floor_rw)),
    );
    println!(
        "(ratio = median over the runs of wall time / the floor's in the same run; CPU ratio = CPU time of \
         the medians / floor's; others = cores other processes kept busy meanwhile; RSS = peak of the same \
         step run as a child process)"
    );
    println!(
        "child processes (median wall incl. start-up and output): read floor {:.3} s, write floor {:.3} s, \
         jixiao check {:.3} s ({:.0} µs/wb), jixiao fix {:.3} s ({:.0} µs/wb); others {:.1} / {:.1} / {:.1} / {:.1} cores",
        cr.wall,
        cw.wall,
        r.child_check.wall,
        r.child_check.wall / n * 1e6,
        r.child_fix.wall,
        r.child_fix.wall / n * 1e6,
        cr.other,
        cw.other,
        r.child_check.other,
        r.child_fix.other,
    );
    println!(
        "ratios: check / floor A = {:.2}× (target ≤ {CHECK_RATIO_TARGET}×: {}); fix / (A + B) = {:.2}× \
         (target ≤ {FIX_RATIO_TARGET}×: {})",
        r.check_ratio,
        met(r.check_ratio <= CHECK_RATIO_TARGET),
        r.fix_ratio,
        met(r.fix_ratio <= FIX_RATIO_TARGET),
    );
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn verdict(results: &[NResult]) {
    println!();
    println!("== targets ==");
    for r in results {
        println!(
            "N = {:>6}: check {:.2}× floor A ({}), fix {:.2}× floor A+B ({}), peak RSS check {:.1} MB, fix {:.1} MB",
            r.n,
            r.check_ratio,
            met(r.check_ratio <= CHECK_RATIO_TARGET),
            r.fix_ratio,
            met(r.fix_ratio <= FIX_RATIO_TARGET),
            r.child_check.rss_kb as f64 / 1024.0,
            r.child_fix.rss_kb as f64 / 1024.0,
        );
    }
    let at = |n: usize| results.iter().find(|r| r.n == n);
    if let Some(big) = at(10_000) {
        for (what, kb) in [("check", big.child_check.rss_kb), ("fix", big.child_fix.rss_kb)] {
            let mb = kb as f64 / 1024.0;
            println!(
                "peak RSS {what} at 10,000 inputs: {mb:.1} MB (target < {RSS_10K_TARGET_MB} MB: {})",
                met(mb < RSS_10K_TARGET_MB)
            );
        }
        if let Some(small) = at(1_000) {
            for (what, k10, k1) in [
                ("check", big.child_check.rss_kb, small.child_check.rss_kb),
                ("fix", big.child_fix.rss_kb, small.child_fix.rss_kb),
            ] {
                let ratio = k10 as f64 / k1 as f64;
                println!(
                    "peak RSS {what} 10,000 / 1,000 inputs: {ratio:.2}× (target ≤ {RSS_GROWTH_TARGET}×: {})",
                    met(ratio <= RSS_GROWTH_TARGET)
                );
            }
        }
    } else {
        println!("(RSS targets need --n 1000,10000)");
    }
}

// ---------------------------------------------------------------------------------------------
// Completion at scale

/// Generate `n` files and run the binary's check and fix once each (low open-file limit):
/// both must finish and account for every input.
fn huge(args: &Args, spawner: &mut Spawner, base: &Path, n: usize) -> Result<(), Error> {
    let input = base.join("in");
    let out = base.join("out");
    println!();
    println!(
        "== completion: N = {n} workbooks, {} thread(s), one run each ==",
        args.jobs
    );
    println!("corpus: {}", args.corpus.describe());
    let (files, made) = measure(|| generate(args.corpus, &input, n));
    files?;
    println!("generated in {:.1} s", made.wall);
    let forms = n * args.corpus.forms_per_file();
    let jobs = args.jobs.to_string();
    let (so, se) = (base.join("check.stdout"), base.join("check.stderr"));
    let argv: Vec<std::ffi::OsString> = vec![
        args.bin.clone().into(),
        "check".into(),
        input.clone().into(),
        "-j".into(),
        jobs.clone().into(),
        "-q".into(),
    ];
    let c = expect_ok(
        "jixiao check",
        spawner.run(&argv, args.fd_limit, &so, &se)?,
        &se,
        1,
    )?;
    println!(
        "jixiao check: {:.1} s ({:.0} µs/workbook, {:.0} CPU µs/workbook, {:.0} workbooks/s), peak RSS {:.1} MB, \
         exit {}; other processes kept {:.1} cores busy\n  {}",
        c.wall,
        c.wall / n as f64 * 1e6,
        c.cpu / n as f64 * 1e6,
        n as f64 / c.wall,
        c.rss_kb as f64 / 1024.0,
        c.code,
        c.other,
        last_line(&so)
    );
    let (so, se) = (base.join("fix.stdout"), base.join("fix.stderr"));
    let argv: Vec<std::ffi::OsString> = vec![
        args.bin.clone().into(),
        "fix".into(),
        input.clone().into(),
        "-o".into(),
        out.clone().into(),
        "-j".into(),
        jobs.into(),
        "-q".into(),
    ];
    let f = expect_ok("jixiao fix", spawner.run(&argv, args.fd_limit, &so, &se)?, &se, 1)?;
    child_fix_sanity(&out, n, forms)?;
    let written = list_files(&out)?.len();
    println!(
        "jixiao fix:   {:.1} s ({:.0} µs/workbook, {:.0} CPU µs/workbook, {:.0} workbooks/s), peak RSS {:.1} MB, \
         exit {}, {} files under OUT; other processes kept {:.1} cores busy",
        f.wall,
        f.wall / n as f64 * 1e6,
        f.cpu / n as f64 * 1e6,
        n as f64 / f.wall,
        f.rss_kb as f64 / 1024.0,
        f.code,
        written,
        f.other
    );
    println!(
        "completed: every input accounted for in report.json (files = {n}, forms = {forms}, unreadable = 0)"
    );
    Ok(())
}
