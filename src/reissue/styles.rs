//! The styles part: for each style a corrected cell uses, a copy with the highlight fill added
//! (its font, borders, alignment and number format kept), appended so no existing index moves.

use std::collections::{BTreeSet, HashMap};

use quick_xml::events::{BytesStart, Event};

use super::ReissueError;
use super::xml::{self, Splices};

/// The highlight of corrected cells: the same fill as the standard template's corrected cells.
const HIGHLIGHT_ARGB: &str = "FFFFE699";

/// The styles part after [`highlight`].
pub struct Highlighted {
    pub bytes: Vec<u8>,
    /// Old style index → the index of its highlighted copy.
    pub styles: HashMap<u32, u32>,
    /// Old style index → whether its number format shows a percent.
    pub percent: HashMap<u32, bool>,
}

struct Xf {
    span: (usize, usize),
    start: BytesStart<'static>,
    /// The start tag's end (children follow), `None` for `<xf …/>`.
    children: Option<usize>,
    num_fmt: u32,
}

/// Add a highlighted copy of every style in `used`.
pub fn highlight(bytes: &[u8], part: &str, used: &BTreeSet<u32>) -> Result<Highlighted, ReissueError> {
    let events = xml::events(bytes, part)?;
    let mut path: Vec<String> = Vec::new();
    let mut formats: HashMap<u32, String> = HashMap::new();
    let mut fills: Option<(BytesStart<'static>, (usize, usize))> = None;
    let mut fill_count = 0u32;
    let mut fills_close = None;
    let mut xfs_start: Option<(BytesStart<'static>, (usize, usize))> = None;
    let mut xfs: Vec<Xf> = Vec::new();
    let mut xfs_close = None;
    let mut prefix = String::new();
    for s in &events {
        match &s.event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(s.event, Event::Empty(_));
                let name = xml::local(e);
                let parent = path.last().map(String::as_str);
                match (path.len(), parent, name.as_str()) {
                    (0, _, _) => prefix = xml::prefix(e),
                    (2, Some("numFmts"), "numFmt") => {
                        if let (Some(id), Some(code)) = (
                            xml::attr(e, "numFmtId").and_then(|v| v.parse().ok()),
                            xml::attr(e, "formatCode"),
                        ) {
                            formats.insert(id, code);
                        }
                    }
                    (1, _, "fills") if !empty => fills = Some((e.to_owned(), (s.start, s.end))),
                    (2, Some("fills"), "fill") => fill_count += 1,
                    (1, _, "cellXfs") if !empty => {
                        xfs_start = Some((e.to_owned(), (s.start, s.end)));
                    }
                    (2, Some("cellXfs"), "xf") => xfs.push(Xf {
                        span: (s.start, s.end),
                        start: e.to_owned(),
                        children: (!empty).then_some(s.end),
                        num_fmt: xml::attr(e, "numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0),
                    }),
                    _ => {}
                }
                if !empty {
                    path.push(name);
                }
            }
            Event::End(e) => {
                path.pop();
                let name = e.local_name().as_ref().to_string();
                match (path.len(), name.as_str()) {
                    (1, "fills") => fills_close = Some(s.start),
                    (1, "cellXfs") => xfs_close = Some(s.start),
                    (2, "xf") if path.last().map(String::as_str) == Some("cellXfs") => {
                        if let Some(xf) = xfs.last_mut() {
                            xf.span.1 = s.end;
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let missing = |what: &str| ReissueError::layout(part, format!("缺少 {what}"));
    let (fills_tag, fills_span) = fills.ok_or_else(|| missing("<fills>"))?;
    let fills_close = fills_close.ok_or_else(|| missing("</fills>"))?;
    let (xfs_tag, xfs_span) = xfs_start.ok_or_else(|| missing("<cellXfs>"))?;
    let xfs_close = xfs_close.ok_or_else(|| missing("</cellXfs>"))?;
    if xfs.is_empty() {
        return Err(ReissueError::layout(part, "没有单元格样式"));
    }
    let p = prefix;
    let count = |n: usize| u32::try_from(n).map_err(|_| ReissueError::layout(part, "中的样式过多"));
    let mut splices = Splices::default();
    let fill_id = fill_count.to_string();
    splices.replace(fills_span.0, fills_span.1, with_count(&fills_tag, fill_count + 1));
    splices.insert(
        fills_close,
        format!(
            "<{p}fill><{p}patternFill patternType=\"solid\"><{p}fgColor rgb=\"{HIGHLIGHT_ARGB}\"/><{p}bgColor indexed=\"64\"/></{p}patternFill></{p}fill>"
        ),
    );
    let first_new = count(xfs.len())?;
    let mut styles = HashMap::new();
    let mut percent = HashMap::new();
    let mut copies = String::new();
    for (k, &old) in used.iter().enumerate() {
        // A style index beyond the table reads as the default style, as Excel does.
        let xf = xfs.get(old as usize).unwrap_or(&xfs[0]);
        let mut copy = xml::start_tag(
            &xf.start,
            &[("fillId", &fill_id), ("applyFill", "1")],
            xf.children.is_none(),
        );
        if let Some(children) = xf.children {
            copy.push_str(&String::from_utf8_lossy(&bytes[children..xf.span.1]));
        }
        copies.push_str(&copy);
        styles.insert(old, first_new + count(k)?);
        percent.insert(old, is_percent(xf.num_fmt, &formats));
    }
    splices.replace(
        xfs_span.0,
        xfs_span.1,
        with_count(&xfs_tag, first_new + count(used.len())?),
    );
    splices.insert(xfs_close, copies);
    Ok(Highlighted {
        bytes: splices.apply(bytes, part)?,
        styles,
        percent,
    })
}

/// A container's start tag with its `count` updated (left out when it had none).
fn with_count(tag: &BytesStart, count: u32) -> String {
    if xml::attr(tag, "count").is_some() {
        xml::start_tag(tag, &[("count", &count.to_string())], false)
    } else {
        xml::start_tag(tag, &[], false)
    }
}

/// Built-in formats 9 (`0%`) and 10 (`0.00%`), or a custom code showing a percent.
fn is_percent(id: u32, formats: &HashMap<u32, String>) -> bool {
    match formats.get(&id) {
        Some(code) => crate::grid::is_percent_format(code),
        None => matches!(id, 9 | 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLES: &str = r#"<?xml version="1.0"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.00&quot;%&quot;"/></numFmts><fonts count="1"><font/></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0"/><xf numFmtId="10" fontId="0" fillId="0" applyNumberFormat="1"><alignment horizontal="center"/></xf><xf numFmtId="164"/></cellXfs></styleSheet>"#;

    #[test]
    fn copies_styles_with_the_fill_and_keeps_the_rest() {
        let used: BTreeSet<u32> = [1, 2, 7].into();
        let h = highlight(STYLES.as_bytes(), "styles", &used).unwrap();
        let out = String::from_utf8(h.bytes).unwrap();
        assert!(out.contains(r#"<fills count="3">"#), "{out}");
        assert!(out.contains(r#"<cellXfs count="6">"#), "{out}");
        assert!(out.contains(r#"<xf numFmtId="10" fontId="0" fillId="2" applyNumberFormat="1" applyFill="1"><alignment horizontal="center"/></xf></cellXfs>"#) || out.contains(r#"applyFill="1"><alignment horizontal="center"/></xf>"#), "{out}");
        assert_eq!(h.styles[&1], 3);
        assert_eq!(h.styles[&2], 4);
        assert_eq!(h.styles[&7], 5);
        assert!(h.percent[&1]);
        // A quoted % is literal text, not a percent format.
        assert!(!h.percent[&2]);
        assert!(!h.percent[&7]);
        // The original styles are untouched, in place.
        assert!(out.starts_with(&STYLES[..STYLES.find("<fills").unwrap()]));
        assert!(out.contains(r#"<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0"/>"#));
    }
}
