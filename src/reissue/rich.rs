//! Rich text: a text cell whose characters are in runs of their own formatting (a bold red
//! grade word, then the reason in the body font), held in the cell (`<is>`) or in the shared
//! strings (`<si>`). A corrected text keeps the runs where it can: each run keeps its
//! formatting over the characters that take its place ([`respan`]).

use quick_xml::events::{BytesStart, Event};

use super::xml::{self, TextBuf};

/// One run: its properties, as an `<rPr>…</rPr>` element written with the sheet's prefix
/// (`None` for a run without), and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub props: Option<String>,
    pub text: String,
}

/// Reads the runs of one rich text from its events. `level` is an element's depth below the
/// `<is>` or `<si>` element (its children are at 1).
pub struct Reader {
    /// The source part's SpreadsheetML prefix (with colon), and the one to write with.
    from: String,
    to: String,
    runs: Vec<Run>,
    /// Inside an `<r>`: its `<rPr>` and `<t>` are the run's (a phonetic run's `<t>` is not).
    in_run: bool,
    props: Option<String>,
    text: Option<TextBuf>,
}

impl Reader {
    pub fn new(from: &str, to: &str) -> Reader {
        Reader {
            from: from.to_string(),
            to: to.to_string(),
            runs: Vec::new(),
            in_run: false,
            props: None,
            text: None,
        }
    }

    pub fn feed(&mut self, level: usize, event: &Event) {
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = xml::local(e);
                match (level, name.as_str()) {
                    (1, "r") => {
                        self.runs.push(Run {
                            props: None,
                            text: String::new(),
                        });
                        self.in_run = !empty;
                    }
                    (2, "rPr") if self.in_run => {
                        let p = &self.to;
                        if empty {
                            self.set_props(format!("<{p}rPr/>"));
                        } else {
                            self.props = Some(format!("<{p}rPr>"));
                        }
                    }
                    (2, "t") if self.in_run && !empty => self.text = Some(TextBuf::default()),
                    (3.., _) if self.props.is_some() => {
                        if let Some(element) = self.element(e, empty)
                            && let Some(props) = self.props.as_mut()
                        {
                            props.push_str(&element);
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.local_name().as_ref().to_string();
                match (level, name.as_str()) {
                    (1, "r") => self.in_run = false,
                    (2, "rPr") if self.in_run => {
                        if let Some(mut props) = self.props.take() {
                            props.push_str(&format!("</{}rPr>", self.to));
                            self.set_props(props);
                        }
                    }
                    (2, "t") if self.in_run => {
                        if let (Some(text), Some(run)) = (self.text.take(), self.runs.last_mut()) {
                            run.text.push_str(&text.0);
                        }
                    }
                    (3.., _) if self.props.is_some() => {
                        let prefix = e
                            .name()
                            .prefix()
                            .map(|p| format!("{}:", p.as_ref()))
                            .unwrap_or_default();
                        if prefix == self.from
                            && let Some(props) = self.props.as_mut()
                        {
                            props.push_str(&format!("</{}{name}>", self.to));
                        }
                    }
                    _ => {}
                }
            }
            other => {
                if let Some(text) = self.text.as_mut() {
                    text.take(other);
                }
            }
        }
    }

    fn set_props(&mut self, props: String) {
        if let Some(run) = self.runs.last_mut() {
            run.props = Some(props);
        }
    }

    /// A property element written with the sheet's prefix, its attributes as they were;
    /// `None` for an element of another namespace (which the sheet may not declare).
    fn element(&self, e: &BytesStart, empty: bool) -> Option<String> {
        if xml::prefix(e) != self.from {
            return None;
        }
        let mut out = format!("<{}{}", self.to, xml::local(e));
        out.push_str(&xml::attributes_as_written(e, |_| false));
        out.push_str(if empty { "/>" } else { ">" });
        Some(out)
    }

    /// The runs read; `None` for a plain text (no run).
    pub fn finish(self) -> Option<Vec<Run>> {
        (!self.runs.is_empty()).then_some(self.runs)
    }
}

/// The runs `new` takes in place of the text of `old`: `(runs, true)` when every run keeps its
/// formatting — a text of the same length keeps each run's length (`良` → `优`), a change
/// within one run changes that run alone, runs of one formatting become one — else
/// `(one run in the first run's formatting, false)`.
pub fn respan(old: &[Run], new: &str) -> (Vec<Run>, bool) {
    let first = || Run {
        props: old.first().and_then(|r| r.props.clone()),
        text: new.to_string(),
    };
    if old.is_empty() || old.iter().all(|r| r.props == old[0].props) {
        return (vec![first()], true);
    }
    let lengths: Vec<usize> = old.iter().map(|r| r.text.chars().count()).collect();
    let was: Vec<char> = old.iter().flat_map(|r| r.text.chars()).collect();
    let now: Vec<char> = new.chars().collect();
    let cut = |from: usize, to: usize| {
        let to = to.min(now.len());
        now[from.min(to)..to].iter().collect::<String>()
    };
    if was.len() == now.len() {
        let mut at = 0;
        let runs = old
            .iter()
            .zip(&lengths)
            .map(|(r, &n)| {
                let text = cut(at, at + n);
                at += n;
                Run {
                    props: r.props.clone(),
                    text,
                }
            })
            .collect();
        return (runs, true);
    }
    // The changed stretch of the old text: after the common start, before the common end.
    let prefix = was.iter().zip(&now).take_while(|(a, b)| a == b).count();
    let room = was.len().min(now.len()) - prefix;
    let suffix = was
        .iter()
        .rev()
        .zip(now.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let (start, end) = (prefix, was.len() - suffix);
    // The run that holds the whole stretch (for an insertion, the run it follows).
    let mut at = 0;
    let holder = lengths.iter().position(|&n| {
        let (a, b) = (at, at + n);
        at = b;
        if start == end {
            (a < start || (start == 0 && a == 0)) && start <= b
        } else {
            a <= start && end <= b
        }
    });
    let Some(k) = holder else {
        return (vec![first()], false);
    };
    let grown = now.len() as isize - was.len() as isize;
    let mut at = 0;
    let runs = old
        .iter()
        .zip(&lengths)
        .enumerate()
        .map(|(i, (r, &n))| {
            let (a, b) = (at, at + n);
            at = b;
            let text = match i.cmp(&k) {
                std::cmp::Ordering::Less => cut(a, b),
                std::cmp::Ordering::Equal => cut(a, b.saturating_add_signed(grown)),
                std::cmp::Ordering::Greater => {
                    cut(a.saturating_add_signed(grown), b.saturating_add_signed(grown))
                }
            };
            Run {
                props: r.props.clone(),
                text,
            }
        })
        .collect();
    (runs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(props: &str, text: &str) -> Run {
        Run {
            props: (!props.is_empty()).then(|| props.to_string()),
            text: text.to_string(),
        }
    }

    fn texts(runs: &[Run]) -> Vec<(&str, &str)> {
        runs.iter()
            .map(|r| (r.props.as_deref().unwrap_or(""), r.text.as_str()))
            .collect()
    }

    #[test]
    fn runs_are_read_with_the_sheets_prefix() {
        let xml = r#"<x:is xmlns:x="main"><x:r><x:rPr><x:b/><x:color rgb="FFFF0000"/><y:ext xmlns:y="other"/></x:rPr><x:t>良</x:t></x:r><x:r><x:t xml:space="preserve"> &amp; 理由</x:t></x:r><x:rPh sb="0" eb="1"><x:t>liang</x:t></x:rPh></x:is>"#;
        let mut reader = Reader::new("x:", "");
        let mut depth = 0usize;
        for s in xml::events(xml.as_bytes(), "t").expect("xml") {
            match &s.event {
                Event::Start(_) => {
                    reader.feed(depth, &s.event);
                    depth += 1;
                }
                Event::Empty(_) => reader.feed(depth, &s.event),
                Event::End(_) => {
                    depth -= 1;
                    reader.feed(depth, &s.event);
                }
                _ => reader.feed(depth, &s.event),
            }
        }
        let runs = reader.finish().expect("runs");
        assert_eq!(
            texts(&runs),
            [
                (r#"<rPr><b/><color rgb="FFFF0000"/></rPr>"#, "良"),
                ("", " & 理由")
            ]
        );
        let plain = Reader::new("", "").finish();
        assert!(plain.is_none());
    }

    #[test]
    fn each_run_keeps_its_formatting_where_it_can() {
        let old = [run("<rPr><b/></rPr>", "良。"), run("<rPr><i/></rPr>", "自评为良")];
        // The same length: each run keeps its length.
        let (runs, kept) = respan(&old, "优。自评为优");
        assert!(kept);
        assert_eq!(
            texts(&runs),
            [("<rPr><b/></rPr>", "优。"), ("<rPr><i/></rPr>", "自评为优")]
        );
        // A change within one run.
        let (runs, kept) = respan(&old, "良。自评为良好");
        assert!(kept);
        assert_eq!(
            texts(&runs),
            [("<rPr><b/></rPr>", "良。"), ("<rPr><i/></rPr>", "自评为良好")]
        );
        let (runs, kept) = respan(&old, "良好。自评为良");
        assert!(kept);
        assert_eq!(
            texts(&runs),
            [("<rPr><b/></rPr>", "良好。"), ("<rPr><i/></rPr>", "自评为良")]
        );
        // A change across runs, of another length: the first run's formatting.
        let (runs, kept) = respan(
            &[run("<rPr><b/></rPr>", "89"), run("<rPr><i/></rPr>", ".9")],
            "99.92",
        );
        assert!(!kept);
        assert_eq!(texts(&runs), [("<rPr><b/></rPr>", "99.92")]);
        // Runs of one formatting become one.
        let (runs, kept) = respan(&[run("<rPr><b/></rPr>", "8"), run("<rPr><b/></rPr>", "9")], "100");
        assert!(kept);
        assert_eq!(texts(&runs), [("<rPr><b/></rPr>", "100")]);
        // Text removed from one run, or added at the end.
        let (runs, _) = respan(&old, "良。自评");
        assert_eq!(
            texts(&runs),
            [("<rPr><b/></rPr>", "良。"), ("<rPr><i/></rPr>", "自评")]
        );
        let (runs, _) = respan(&old, "良。自评为良！");
        assert_eq!(texts(&runs)[1], ("<rPr><i/></rPr>", "自评为良！"));
        // Never panics, whatever the texts.
        for new in ["", "x", "良。自评为良良良良良良", "。"] {
            let (runs, _) = respan(&old, new);
            assert_eq!(runs.iter().map(|r| r.text.as_str()).collect::<String>(), new);
        }
        let (runs, _) = respan(&[run("", ""), run("<rPr><b/></rPr>", "")], "新");
        assert_eq!(runs.iter().map(|r| r.text.as_str()).collect::<String>(), "新");
    }
}
