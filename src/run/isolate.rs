//! One file's fault stays that file's: a panic while reading or checking a file becomes its
//! error (or, in the rulebook, one form's `internal-error`), kept off the terminal by a panic
//! hook that records it instead of printing.

use super::*;

thread_local! {
    /// The message and location of the last panic on this thread, for the file's error.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// This thread is processing one file inside `catch_unwind`.
    static IN_FILE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A panic inside one file's processing is reported in that file's entry, not printed over the
/// progress bar: the hook records it for `process_isolated` instead. Panics anywhere else go to
/// the previous hook as usual. Installed once.
pub(super) fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_FILE.with(|f| f.get()) {
                return previous(info);
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            // The crate and file, not the whole registry path: `calamine-0.38.0/src/cfb.rs:320`.
            let location = info
                .location()
                .map(|l| {
                    let parts: Vec<&str> = l.file().rsplit('/').take(3).collect();
                    let short: Vec<&str> = parts.into_iter().rev().collect();
                    format!("（{}:{}）", short.join("/"), l.line())
                })
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{location}")));
        }));
    });
}

/// Run `f` for the file `rel` with panics contained (see [`process_isolated`]).
pub(super) fn isolated<T: From<FileReport>>(rel: &str, f: impl FnOnce() -> T) -> T {
    contained(f).unwrap_or_else(|what| T::from(panicked(rel, &what)))
}

impl From<FileReport> for (FileReport, Option<Vec<u8>>) {
    fn from(report: FileReport) -> Self {
        (report, None)
    }
}

/// The rulebook on one form, with a panic contained to that form: it then has one
/// `internal-error` finding and is written back unchanged, and the file's other forms stand.
pub(super) fn check_contained(form: &Form, check: impl FnOnce(&Form) -> rules::Checked) -> rules::Checked {
    contained(|| check(form)).unwrap_or_else(|what| rules::Checked {
        findings: vec![rules::internal_error(form, &what)],
        corrected: form.clone(),
        figures: rules::Figures::default(),
    })
}

/// Run `f`, turning a panic into its message and location (the panic hook keeps it off the
/// terminal, where it would break the progress display).
pub(super) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    quiet_panics();
    let was = IN_FILE.with(|flag| flag.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    IN_FILE.with(|flag| flag.set(was));
    outcome.map_err(|_| LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())
}

pub(super) fn panicked(rel: &str, what: &str) -> FileReport {
    failed(
        rel,
        rules::unreadable_file(&format!(
            "读取或处理该文件时程序出错（已跳过该文件，请报告此问题）：{what}"
        )),
    )
}
