//! Text as the forms write it: the one place where a label is normalised for matching and
//! where a placeholder (`/`, `-`, `—`, `无`) is told from a value. The locator, the rulebook and
//! the renderer all ask here, so a spelling accepted in one stage is accepted in every other.

/// Normalise a label for matching: drop all white space (line breaks, full-width spaces) and
/// trailing colons, and fold full-width brackets and colons to half-width.
pub fn norm(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_norm(text, &mut out);
    out
}

/// `f` of [`norm`]`(text)`, normalised into a buffer of the thread's own rather than a new
/// string: for the questions asked of every cell of a form.
pub(crate) fn with_norm<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut n) => {
            n.clear();
            push_norm(text, &mut n);
            f(&n)
        }
        // `f` itself asked for a normalised text: it gets a string of its own.
        Err(_) => f(&norm(text)),
    })
}

/// Appends [`norm`]`(text)` to `out` (leaving what `out` held before untouched).
pub(crate) fn push_norm(text: &str, out: &mut String) {
    let start = out.len();
    let bytes = text.as_bytes();
    // Runs of characters kept as they are are copied whole; only blanks and the full-width
    // brackets and colon break a run. Only characters whose UTF-8 starts with one of the lead
    // bytes below can be one of those (CJK ideographs, E4–E9, never are), so the others are
    // stepped over without being decoded.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let len = match b {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        let maybe = match b {
            0x00..=0x7F => b.is_ascii_whitespace() || b == 0x0B,
            0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF => true,
            _ => false,
        };
        if maybe {
            // `i` is a character boundary: every step above is a whole character.
            let c = text[i..].chars().next().unwrap_or(' ');
            let mapped = match c {
                '（' => Some(Some('(')),
                '）' => Some(Some(')')),
                '：' => Some(Some(':')),
                '【' | '［' => Some(Some('[')),
                '】' | '］' => Some(Some(']')),
                c if c.is_whitespace() => Some(None),
                _ => None,
            };
            if let Some(mapped) = mapped {
                out.push_str(&text[run..i]);
                out.extend(mapped);
                run = i + len;
            }
        }
        i += len;
    }
    out.push_str(&text[run..]);
    while out.len() > start && out.ends_with(':') {
        out.pop();
    }
}

/// Placeholders a template cell holds instead of a value: `/`, `-`, `—`, `无` and their
/// full-width and doubled forms. They read as blank wherever a value is expected.
const PLACEHOLDERS: &[&str] = &[
    "/", "／", "\\", "-", "－", "—", "——", "--", "―", "‐", "–", "无", "暂无", "空", "null", "N/A", "n/a",
];

/// Whether `text` is blank or only a placeholder (`/`, `-`, `—`, `无`…), after normalising —
/// or text a template puts into an empty field (`is_template_text`).
pub fn is_placeholder(text: &str) -> bool {
    with_norm(text, |n| {
        n.is_empty() || PLACEHOLDERS.contains(&n) || is_template_text(n)
    })
}

/// Text a template puts into a field for the filer to replace, which is neither a figure nor a
/// stated reason: a Word content control's placeholder (`单击或点击此处输入文字。`,
/// `Click or tap here to enter text.`), an instruction (`请填写…`, `（100字以内）`), a sample value
/// left in (`≥**平方米`, `××万元`). `n` is normalised ([`norm`]).
fn is_template_text(n: &str) -> bool {
    const CONTROLS: &[&str] = &[
        "点击此处输入",
        "单击此处输入",
        "Clickortaphere",
        "Clickhereto",
        "Taphereto",
    ];
    const PROMPTS: &[&str] = &["请填写", "请输入", "请选择", "请在此", "此处填写"];
    const MASKS: &[&str] = &["**", "××", "＊＊", "XX", "xx"];
    // One pass over the characters first: most cells hold none of the marks these words need,
    // and this runs on every text cell of a form.
    let (mut chars, mut mask, mut control, mut limit) = (0usize, false, false, false);
    for c in n.chars() {
        chars += 1;
        match c {
            '*' | '×' | '＊' | 'X' | 'x' => mask = true,
            '此' | 'h' => control = true,
            '字' => limit = true,
            _ => {}
        }
    }
    (mask && chars <= 16 && MASKS.iter().any(|w| n.contains(w)))
        || PROMPTS.iter().any(|w| n.starts_with(w))
        || (control && CONTROLS.iter().any(|w| n.contains(w)))
        || (limit && states_length_limit(n))
}

/// `（100字以内）`, `(200字)`: a length limit in brackets is the template's. `n` is normalised.
fn states_length_limit(n: &str) -> bool {
    n.split('(').skip(1).any(|part| {
        let inner = part.split(')').next().unwrap_or("");
        inner.starts_with(|c: char| c.is_ascii_digit())
            && inner
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with('字')
    })
}

/// Whether a reason or remark cell says something: not blank and not a placeholder.
pub fn says_something(text: &str) -> bool {
    !is_placeholder(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The thread's buffer gives what `norm` gives, one call after another and from inside
    /// another call (which gets a string of its own).
    #[test]
    fn with_norm_is_norm_reused_and_reentrant() {
        for text in ["项目名称：", " 年度 指标值（A） ", "", "——"] {
            assert_eq!(with_norm(text, str::to_string), norm(text));
        }
        let nested = with_norm("（一）产出 指标：", |outer| {
            let inner = with_norm("分 值", str::to_string);
            format!("{outer}|{inner}")
        });
        assert_eq!(nested, "(一)产出指标|分值");
        assert!(is_placeholder(" ／ ") && is_placeholder("点击此处输入文字。"));
        assert!(!is_placeholder("≥95%"));
    }

    proptest::proptest! {
        /// The run-copying `norm` agrees with normalising character by character.
        #[test]
        fn norm_agrees_with_the_obvious_definition(
            text in "[ a-z0-9:：（）()【】［］，。、\u{3000}\u{00A0}\u{0085}\u{2002}\u{2028}\u{202F}\u{205F}\u{1680}\u{000B}\u{000C}\t\r\n项目名称指标值≥≤×%é😀]{0,32}"
        ) {
            let mut obvious: String = text
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| match c {
                    '（' => '(',
                    '）' => ')',
                    '：' => ':',
                    '【' | '［' => '[',
                    '】' | '］' => ']',
                    _ => c,
                })
                .collect();
            while obvious.ends_with(':') {
                obvious.pop();
            }
            proptest::prop_assert_eq!(norm(&text), obvious);
        }
    }

    #[test]
    fn labels_normalise() {
        assert_eq!(norm("全 年 预 算 数（A）"), "全年预算数(A)");
        assert_eq!(norm("年度资金总额："), "年度资金总额");
        assert_eq!(norm("产出指标\n(50分)"), "产出指标(50分)");
    }

    #[test]
    fn placeholders() {
        for s in [
            "",
            " ",
            "/",
            "／",
            "-",
            "—",
            "——",
            "无",
            " 无 ",
            "－",
            "\u{3000}/",
        ] {
            assert!(is_placeholder(s), "{s:?}");
        }
        for s in [
            "0",
            "无法完成",
            "原因：资金未到位",
            "1/2",
            "有效",
            "≥2个",
            "预算执行率达到100%",
        ] {
            assert!(!is_placeholder(s), "{s:?}");
        }
    }

    #[test]
    fn template_text_is_empty() {
        for s in [
            "单击或点击此处输入文字。",
            "Click or tap here to enter text.",
            "请填写偏差原因",
            "（100字以内）",
            "1.预算执行率=预算执行数/调整后预算数，未达到90%的需说明原因（100字以内）",
            "≥**平方米",
            "××万元",
        ] {
            assert!(is_placeholder(s), "{s:?}");
        }
    }
}
