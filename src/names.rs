//! File names every file system can hold. `fix` names its outputs after its inputs and the web
//! page stores uploads under the names the browser sent; either may be a name the file system
//! at hand refuses: longer than 255 bytes (a `.xls` of 255 bytes whose `.xlsx` is 256, or a
//! Windows name of 86 Chinese characters on Linux), with a character Windows forbids
//! (`< > : " / \ | ? *`, control characters), ending in a dot or a space (Windows drops them),
//! or a device name (`CON`, `NUL.xlsx`, `aux.xlsx`, `COM1`…).
//!
//! [`portable`] maps one path component to a name Linux, macOS and Windows all accept, the
//! same on every platform (so a run gives the same outputs everywhere), and says what it
//! changed; [`with_suffix`] numbers a name without breaking those rules. A name that needs no
//! change is kept as it is. [`results_folder`] names (and makes) the folder the drop-a-folder
//! action writes to, beside its input.

use std::path::{Path, PathBuf};

/// The longest name, in bytes of UTF-8: ext4, XFS, Btrfs and APFS hold 255 bytes, NTFS 255
/// UTF-16 units (never fewer than the UTF-8 bytes' count).
pub const MAX_BYTES: usize = 255;

/// What [`portable`] changed in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Characters Windows forbids (and control characters) became `_`.
    Forbidden,
    /// A trailing dot or space became `_`.
    Trailing,
    /// A device name got a leading `_` (`CON.xlsx` → `_CON.xlsx`).
    Device,
    /// Longer than [`MAX_BYTES`]: shortened by characters, the extension kept, a short hash of
    /// the whole name added so that two long names that begin alike stay apart.
    Shortened,
    /// Empty: `_`.
    Empty,
}

impl Change {
    /// Why the name was changed, in Chinese.
    pub fn reason(self) -> &'static str {
        match self {
            Change::Forbidden => "含有 Windows 不允许的字符（< > : \" / \\ | ? * 或控制字符）",
            Change::Trailing => "以点或空格结尾",
            Change::Device => "是 Windows 的设备名（CON、PRN、AUX、NUL、COM1、LPT1 等）",
            Change::Shortened => "超过 255 字节",
            Change::Empty => "为空",
        }
    }
}

/// A name mapped by [`portable`]: the name to use and what was changed (empty when `name` is
/// the original).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portable {
    pub name: String,
    pub changes: Vec<Change>,
}

impl Portable {
    pub fn changed(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The reasons, joined for a note (`超过 255 字节、以点或空格结尾`).
    pub fn reasons(&self) -> String {
        self.changes
            .iter()
            .map(|c| c.reason())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Characters no Windows file name may hold, besides the control characters.
const FORBIDDEN: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*'];

/// Names Windows takes for devices, whatever their extension (`NUL.xlsx`) and case.
const DEVICES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6",
    "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6",
    "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// One path component (a file's or a folder's name, never a path) as a name every file system
/// can hold, the same on every platform:
///
/// - each forbidden character (`< > : " / \ | ? *`, U+0000–U+001F) becomes `_`;
/// - each trailing dot or space becomes `_`;
/// - a device name gets a leading `_` (`CON` → `_CON`, `nul.xlsx` → `_nul.xlsx`);
/// - an empty name becomes `_`;
/// - a name longer than 255 bytes is shortened by whole characters, its extension kept, with
///   `~` and eight hex digits of a hash of the original name before the extension — so two
///   long names stay apart, and the same name always maps to the same result.
///
/// The result maps to itself. Never panics.
pub fn portable(name: &str) -> Portable {
    let mut changes = Vec::new();
    let mut out: String = name
        .chars()
        .map(|c| if c < ' ' || FORBIDDEN.contains(&c) { '_' } else { c })
        .collect();
    if out != name {
        changes.push(Change::Forbidden);
    }
    let kept = out.trim_end_matches(['.', ' ']).len();
    if kept < out.len() {
        let trailing = out.len() - kept;
        out.truncate(kept);
        out.push_str(&"_".repeat(trailing));
        changes.push(Change::Trailing);
    }
    if is_device(&out) {
        out.insert(0, '_');
        changes.push(Change::Device);
    }
    if out.is_empty() {
        out.push('_');
        changes.push(Change::Empty);
    }
    if out.len() > MAX_BYTES {
        out = shorten(&out, &format!("~{:08x}", fnv1a(name.as_bytes())));
        changes.push(Change::Shortened);
    }
    Portable { name: out, changes }
}

/// `name` with `suffix` put before its extension (`a.xlsx`, `（2）` → `a（2）.xlsx`), made
/// portable; a name that would grow beyond 255 bytes loses characters before the suffix.
pub fn with_suffix(name: &str, suffix: &str) -> String {
    let (stem, ext) = split_extension(name);
    let joined = format!("{stem}{suffix}{ext}");
    if joined.len() <= MAX_BYTES {
        return portable(&joined).name;
    }
    portable(&shorten(name, suffix)).name
}

/// Whether Windows takes `name` for a device: the part before the first dot, trailing spaces
/// ignored, is a device name in any case.
fn is_device(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or_default().trim_end_matches(' ');
    // The superscript digits of `COM¹` have no case: they compare as bytes.
    DEVICES.iter().any(|d| d.eq_ignore_ascii_case(base))
}

/// `name` cut by characters so that it, `tag` and its extension fit in [`MAX_BYTES`]:
/// `stem…tag.ext`.
fn shorten(name: &str, tag: &str) -> String {
    let (stem, ext) = split_extension(name);
    // An extension too long to keep is cut with the stem.
    let (stem, ext) = if ext.len() + tag.len() + 1 > MAX_BYTES / 2 {
        (name, "")
    } else {
        (stem, ext)
    };
    let room = MAX_BYTES.saturating_sub(tag.len() + ext.len());
    let mut cut = String::new();
    for c in stem.chars() {
        if cut.len() + c.len_utf8() > room {
            break;
        }
        cut.push(c);
    }
    format!("{cut}{tag}{ext}")
}

/// The stem and the extension with its dot (`a.b.xlsx` → `a.b`, `.xlsx`); no extension when
/// there is no dot, the name starts with its only dot, or what follows the dot is not a short
/// run of letters and digits.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(at)
            if at > 0
                && name.len() - at <= 17
                && name[at + 1..].chars().all(|c| c.is_alphanumeric())
                && at + 1 < name.len() =>
        {
            (&name[..at], &name[at..])
        }
        _ => (name, ""),
    }
}

/// FNV-1a, 32 bits: a hash that is the same on every platform and in every version.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The folder the drop-a-folder action writes its results to.
#[derive(Debug)]
pub struct ResultsFolder {
    pub path: PathBuf,
    /// The input's own folder refused it (read-only): that folder and why.
    pub refused: Option<(PathBuf, std::io::Error)>,
}

/// `<PATH>-核查结果` beside the first input (for a file, its name without the extension), or
/// `-2`, `-3`… when that exists; created here, so two runs at once never share one. When the
/// input's folder cannot be written (a read-only share, a CD), the same name in the user's
/// desktop (or home) folder, with the folder that refused and why. `Err`: the folder that could
/// not be made anywhere and why.
pub fn results_folder(first: &Path) -> Result<ResultsFolder, (PathBuf, std::io::Error)> {
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
        _ => (path.clone(), std::ffi::OsString::new()), // a drive or a share's root
    };
    base.push(if base.is_empty() {
        "核查结果"
    } else {
        "-核查结果"
    });
    let refused = match create_numbered(&beside, &base) {
        Ok(path) => {
            return Ok(ResultsFolder { path, refused: None });
        }
        Err(e) => e,
    };
    match fallback_folder().and_then(|home| create_numbered(&home, &base).ok()) {
        Some(path) => Ok(ResultsFolder {
            path,
            refused: Some((beside, refused)),
        }),
        None => Err((beside.join(&base), refused)),
    }
}

/// Create `dir/base`, or `dir/base-2`, `-3`… for the first name not taken.
pub fn create_numbered(dir: &Path, base: &std::ffi::OsStr) -> std::io::Result<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> String {
        portable(s).name
    }

    #[test]
    fn ordinary_names_are_kept() {
        for s in [
            "seed_2024.xlsx",
            "其他 单位.xlsx",
            "a.xls.xlsx",
            "收件箱",
            "(1) x .xlsx",
            "…",
        ] {
            let p = portable(s);
            assert_eq!(p.name, s);
            assert!(!p.changed());
        }
    }

    #[test]
    fn forbidden_characters_and_trailing_dots_become_underscores() {
        assert_eq!(name("a:b.xlsx"), "a_b.xlsx");
        assert_eq!(name("a\"b.xlsx"), "a_b.xlsx");
        assert_eq!(name("a<b>c|d?e*.xlsx"), "a_b_c_d_e_.xlsx");
        assert_eq!(name("a/b\\c"), "a_b_c");
        assert_eq!(name("tab\there\0.xlsx"), "tab_here_.xlsx");
        assert_eq!(name("第一批. "), "第一批__");
        assert_eq!(name("."), "_");
        assert_eq!(name(".."), "__");
        assert_eq!(name(""), "_");
        assert_eq!(portable("a:b.").changes, [Change::Forbidden, Change::Trailing]);
    }

    #[test]
    fn device_names_are_escaped_in_any_case_and_with_any_extension() {
        for (s, want) in [
            ("CON", "_CON"),
            ("con", "_con"),
            ("NUL.xlsx", "_NUL.xlsx"),
            ("aux.xlsx", "_aux.xlsx"),
            ("Aux.tar.gz", "_Aux.tar.gz"),
            ("COM1", "_COM1"),
            ("com9.xls", "_com9.xls"),
            ("LPT1.xlsx", "_LPT1.xlsx"),
            ("COM¹.xlsx", "_COM¹.xlsx"),
            ("CONIN$", "_CONIN$"),
            ("NUL .xlsx", "_NUL .xlsx"),
        ] {
            let p = portable(s);
            assert_eq!(p.name, want, "{s}");
            assert_eq!(p.changes, [Change::Device], "{s}");
        }
        for s in [
            "CONSOLE.xlsx",
            "COM10.xlsx",
            "nullable",
            "_CON",
            "auxiliary.xlsx",
            "LPT.xlsx",
        ] {
            assert_eq!(name(s), s);
        }
    }

    #[test]
    fn long_names_are_shortened_by_characters_keeping_the_extension() {
        let long = "绩".repeat(83);
        // 255 bytes fits; 256 does not.
        let fits = format!("{long}a.xlsx");
        assert_eq!(fits.len(), 255);
        assert_eq!(name(&fits), fits);
        let over = format!("{long}ab.xlsx");
        let p = portable(&over);
        assert_eq!(p.changes, [Change::Shortened]);
        assert!(p.name.len() <= MAX_BYTES, "{}", p.name.len());
        assert!(
            p.name.ends_with(".xlsx") && p.name.starts_with(&long[..240]),
            "{}",
            p.name
        );
        // Two long names that begin alike stay apart; the same name maps the same.
        let other = portable(&format!("{long}ac.xlsx"));
        assert_ne!(p.name, other.name);
        assert_eq!(portable(&over), p);
        // Idempotent.
        assert_eq!(name(&p.name), p.name);
        // No extension, a long one, a name of one character repeated.
        assert!(name(&"x".repeat(400)).len() <= MAX_BYTES);
        assert!(name(&format!("a.{}", "b".repeat(300))).len() <= MAX_BYTES);
        assert!(name(&"🙂".repeat(100)).len() <= MAX_BYTES);
    }

    #[test]
    fn suffixes_go_before_the_extension_and_stay_within_the_limit() {
        assert_eq!(with_suffix("a.xlsx", "（2）"), "a（2）.xlsx");
        assert_eq!(with_suffix("收件箱", "-2"), "收件箱-2");
        assert_eq!(with_suffix("CON.xlsx", "-2"), "CON-2.xlsx");
        let long = format!("{}.xlsx", "绩".repeat(83));
        let numbered = with_suffix(&long, "（2）");
        assert!(
            numbered.len() <= MAX_BYTES && numbered.ends_with("（2）.xlsx"),
            "{numbered}"
        );
        assert_ne!(numbered, with_suffix(&long, "（3）"));
    }

    #[test]
    fn any_name_maps_to_a_portable_one() {
        let samples = [
            "a".repeat(1000),
            "。".repeat(300),
            ". . .".repeat(100),
            format!("{}.", "x".repeat(300)),
            "\u{0}".repeat(300),
            format!("CON.{}", "x".repeat(300)),
        ];
        for s in &samples {
            let p = portable(s);
            assert!(p.name.len() <= MAX_BYTES, "{}", p.name.len());
            assert!(!p.name.ends_with(['.', ' ']));
            assert!(!p.name.chars().any(|c| c < ' ' || FORBIDDEN.contains(&c)));
            assert!(!is_device(&p.name));
            assert_eq!(portable(&p.name).name, p.name);
        }
    }
}
