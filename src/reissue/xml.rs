//! Small tools for editing a package part in place: scan its XML with byte spans, then splice
//! new text into the original bytes, so everything not edited stays exactly as the unit's
//! program wrote it (prefixes, attribute order, white space). Names, attribute values and
//! escaping are [`crate::xml`]'s, re-exported here so the steps have one `xml` to call.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

pub use crate::xml::{attr, escape, local, prefix, prefixed_attr};

use super::ReissueError;

/// One event of a part with the byte span it occupies.
pub struct Spanned<'a> {
    pub start: usize,
    pub end: usize,
    pub event: Event<'a>,
}

/// Every event of `xml` in order, with spans; an XML error names the part. For small parts;
/// a sheet is read with [`stream`], which holds one event at a time.
pub fn events<'a>(xml: &'a [u8], part: &str) -> Result<Vec<Spanned<'a>>, ReissueError> {
    stream(xml, part).collect()
}

/// The events of `xml` one at a time, with spans.
pub fn stream<'a>(xml: &'a [u8], part: &str) -> Stream<'a> {
    // quick-xml skips a byte-order mark without counting it in its positions: count it here,
    // or every splice lands three bytes early.
    let bom = if xml.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    Stream {
        reader: Reader::from_reader(xml),
        part: part.to_string(),
        done: false,
        bom,
    }
}

pub struct Stream<'a> {
    reader: Reader<&'a [u8]>,
    part: String,
    done: bool,
    bom: usize,
}

impl<'a> Iterator for Stream<'a> {
    type Item = Result<Spanned<'a>, ReissueError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let start = offset(self.reader.buffer_position()).saturating_add(self.bom);
        match self.reader.read_event() {
            Ok(Event::Eof) => {
                self.done = true;
                None
            }
            Ok(event) => {
                let end = offset(self.reader.buffer_position()).saturating_add(self.bom);
                Some(Ok(Spanned { start, end, event }))
            }
            Err(e) => {
                self.done = true;
                Some(Err(ReissueError::Xml {
                    part: self.part.clone(),
                    at: self.reader.error_position().saturating_add(self.bom as u64),
                    fault: crate::xml::describe_error(&e),
                }))
            }
        }
    }
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// The prefix (with colon) an element declares for `namespace`, if it declares one.
pub fn declared_prefix(e: &BytesStart, namespace: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key: &str = a.key.as_ref();
        let name = key.strip_prefix("xmlns:")?;
        (a.value.as_ref() == namespace).then(|| format!("{name}:"))
    })
}

/// The element's start tag rewritten with `set` attributes replaced or added (values given
/// unescaped), everything else as it was. `empty` writes `/>`.
pub fn start_tag(e: &BytesStart, set: &[(&str, &str)], empty: bool) -> String {
    let mut out = format!("<{}", e.name().as_ref());
    out.push_str(&attributes_as_written(e, |key| {
        set.iter().any(|(k, _)| *k == key)
    }));
    for (k, v) in set {
        out.push_str(&format!(" {k}=\"{}\"", escape(v)));
    }
    out.push_str(if empty { "/>" } else { ">" });
    out
}

/// The element's attributes as they were written (` key="value"` each, the value still
/// escaped, in double quotes), but for those whose name `leave_out` says.
pub fn attributes_as_written(e: &BytesStart, leave_out: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    for a in e.attributes().flatten() {
        let key: &str = a.key.as_ref();
        if leave_out(key) {
            continue;
        }
        let raw = a.value.replace('"', "&quot;");
        out.push_str(&format!(" {key}=\"{raw}\""));
    }
    out
}

/// Text content gathered across text events, references and CDATA.
#[derive(Default)]
pub struct TextBuf(pub String);

impl TextBuf {
    /// Add the event's text, if it is text; returns whether it was.
    pub fn take(&mut self, event: &Event) -> bool {
        match event {
            Event::Text(t) => self.0.push_str(&t.xml10_content()),
            Event::CData(c) => self.0.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => crate::xml::push_reference(&mut self.0, r),
            _ => return false,
        }
        true
    }
}

/// Edits to one part's bytes: replace spans, insert at points; applied in one pass.
#[derive(Default)]
pub struct Splices {
    edits: Vec<(usize, usize, String)>,
}

impl Splices {
    pub fn replace(&mut self, start: usize, end: usize, text: String) {
        self.edits.push((start, end, text));
    }

    pub fn insert(&mut self, at: usize, text: String) {
        self.edits.push((at, at, text));
    }

    /// The part with every edit made. Insertions at one point keep their order. The result is
    /// read through once more: an edit that overlaps another or leaves the part malformed is an
    /// error (a bug here, reported — and the file given the standard template — rather than
    /// written).
    pub fn apply(self, original: &[u8], part: &str) -> Result<Vec<u8>, ReissueError> {
        let out = self.splice(original, part)?;
        match stream(&out, part).find_map(Result::err) {
            Some(ReissueError::Xml { part, at, fault }) => Err(ReissueError::Malformed { part, at, fault }),
            Some(other) => Err(other),
            None => Ok(out),
        }
    }

    fn splice(mut self, original: &[u8], part: &str) -> Result<Vec<u8>, ReissueError> {
        self.edits.sort_by_key(|&(start, end, _)| (start, end));
        let mut out = Vec::with_capacity(original.len() + 1024);
        let mut at = 0;
        for (start, end, text) in self.edits {
            if start < at || end > original.len() {
                return Err(ReissueError::Overlap {
                    part: part.to_string(),
                    at: start,
                });
            }
            out.extend_from_slice(&original[at..start]);
            out.extend_from_slice(text.as_bytes());
            at = end;
        }
        out.extend_from_slice(&original[at..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_each_event_exactly() {
        let xml = br#"<a x="1"><b>t&amp;u</b><c/></a>"#;
        let evs = events(xml, "t").unwrap();
        let texts: Vec<&[u8]> = evs.iter().map(|s| &xml[s.start..s.end]).collect();
        assert_eq!(texts[0], br#"<a x="1">"#);
        assert_eq!(texts[1], b"<b>");
        assert!(texts.contains(&&b"<c/>"[..]));
        assert_eq!(*texts.last().unwrap(), b"</a>");
        let mut text = TextBuf::default();
        for s in &evs {
            text.take(&s.event);
        }
        assert_eq!(text.0, "t&u");
    }

    #[test]
    fn spans_count_a_byte_order_mark() {
        let xml = "\u{feff}<a><b/></a>".as_bytes();
        let evs = events(xml, "t").unwrap();
        let b = evs.iter().find(|s| matches!(&s.event, Event::Empty(_))).unwrap();
        assert_eq!(&xml[b.start..b.end], b"<b/>");
        let mut s = Splices::default();
        s.replace(b.start, b.end, "<c/>".into());
        assert_eq!(s.apply(xml, "t").unwrap(), "\u{feff}<a><c/></a>".as_bytes());
    }

    #[test]
    fn a_malformed_result_is_an_error() {
        let mut s = Splices::default();
        s.insert(3, "</x>".into());
        let err = s.apply(b"<a><b/></a>", "t").unwrap_err();
        assert!(matches!(err, ReissueError::Malformed { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "更正后的部件 t 第 3 字节处的 XML 将有误：结束标签不匹配，应为 </a>，实为 </x>；这是本程序的缺陷"
        );
    }

    #[test]
    fn splices_keep_everything_else() {
        let mut s = Splices::default();
        s.insert(3, "X".into());
        s.replace(1, 2, "BB".into());
        s.insert(3, "Y".into());
        assert_eq!(s.apply(b"abcd", "t").unwrap(), b"aBBcXYd");
    }

    #[test]
    fn start_tags_keep_other_attributes() {
        let xml = br#"<x:xf numFmtId="10" fillId='0' xfId="0"/>"#;
        let evs = events(xml, "t").unwrap();
        let Event::Empty(e) = &evs[0].event else { panic!() };
        assert_eq!(
            start_tag(e, &[("fillId", "3"), ("applyFill", "1")], true),
            r#"<x:xf numFmtId="10" xfId="0" fillId="3" applyFill="1"/>"#
        );
        assert_eq!(prefix(e), "x:");
        assert_eq!(local(e), "xf");
    }
}
