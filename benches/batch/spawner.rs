//! Child processes whose peak RSS is measured, forked by a helper process started early
//! ([`Spawner`] says why), each with a low open-file limit.

use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Error;
use crate::measure::machine_busy_seconds;

/// A child process's wall time, peak RSS and exit code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildRun {
    pub(crate) wall: f64,
    pub(crate) rss_kb: i64,
    pub(crate) code: i32,
    /// User + system CPU seconds of the child.
    pub(crate) cpu: f64,
    /// Cores kept busy by other processes meanwhile (see [`Sample::other`](crate::measure::Sample)).
    pub(crate) other: f64,
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
pub(crate) struct Spawner {
    child: std::process::Child,
    to: Option<std::process::ChildStdin>,
    from: io::BufReader<std::process::ChildStdout>,
}

impl Spawner {
    pub(crate) fn start() -> Result<Spawner, Error> {
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
    pub(crate) fn run(
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
pub(crate) fn spawner_main() {
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
