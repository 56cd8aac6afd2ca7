//! Notes (cell comments) on corrected cells: the comments part holds the text, the legacy
//! VML drawing the note boxes Excel and WPS show. A sheet that already has notes keeps them;
//! ours are added beside, and on a cell the filer already commented ours is appended to theirs.

use std::collections::HashMap;

use quick_xml::events::Event;

use super::ReissueError;
use super::xml::{self, Splices};
use crate::grid::Pos;

/// Who the notes are by, as Excel shows it above a note.
pub const AUTHOR: &str = "jixiao";

/// A note to add.
pub struct Note {
    pub pos: Pos,
    pub text: String,
}

/// The comments part with `notes` added; the cells that need a new note box (those without a
/// note of the filer's).
/// `main`: the SpreadsheetML namespace of a new comments part (the package's flavour).
pub fn comments(
    existing: Option<&[u8]>,
    part: &str,
    main: &str,
    notes: &[Note],
) -> Result<(Vec<u8>, Vec<Pos>), ReissueError> {
    let Some(bytes) = existing else {
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"{main}\"><authors><author>{AUTHOR}</author></authors><commentList>"
        );
        for note in notes {
            out.push_str(&comment(&note.pos, "0", "", &note.text));
        }
        out.push_str("</commentList></comments>");
        return Ok((out.into_bytes(), notes.iter().map(|n| n.pos).collect()));
    };
    let events = xml::events(bytes, part)?;
    let mut prefix = String::new();
    let mut depth = 0usize;
    let mut authors = 0usize;
    let mut authors_close = None;
    let mut list_close = None;
    // The filer's comments by cell: where our run goes inside their `<text>`.
    let mut theirs: HashMap<Pos, usize> = HashMap::new();
    let mut current: Option<Pos> = None;
    let mut run_end: Option<usize> = None;
    for s in &events {
        match &s.event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(s.event, Event::Empty(_));
                match (depth, xml::local(e).as_str()) {
                    (0, _) => prefix = xml::prefix(e),
                    (2, "author") => authors += 1,
                    (2, "comment") => current = xml::attr(e, "ref").and_then(|r| Pos::parse_a1(&r)),
                    // Phonetic runs come last in a comment's text: ours goes before them.
                    (4, "rPh" | "phoneticPr") if run_end.is_none() => run_end = Some(s.start),
                    (1, "commentList") if empty => {
                        return Err(ReissueError::layout(part, "的 <commentList/> 为空"));
                    }
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match (depth, e.local_name().as_ref()) {
                    (1, "authors") => authors_close = Some(s.start),
                    (1, "commentList") => list_close = Some(s.start),
                    (3, "text") => {
                        if let Some(pos) = current {
                            theirs.insert(pos, run_end.take().unwrap_or(s.start));
                        }
                        run_end = None;
                    }
                    (2, "comment") => current = None,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let authors_close = authors_close.ok_or_else(|| ReissueError::layout(part, "缺少 </authors>"))?;
    let list_close = list_close.ok_or_else(|| ReissueError::layout(part, "缺少 </commentList>"))?;
    let p = prefix;
    let mut splices = Splices::default();
    splices.insert(authors_close, format!("<{p}author>{AUTHOR}</{p}author>"));
    let author = authors.to_string();
    let mut boxes = Vec::new();
    let mut added = String::new();
    for note in notes {
        match theirs.get(&note.pos) {
            Some(&at) => splices.insert(at, run(&p, &format!("\n{AUTHOR}：{}", note.text))),
            None => {
                added.push_str(&comment(&note.pos, &author, &p, &note.text));
                boxes.push(note.pos);
            }
        }
    }
    splices.insert(list_close, added);
    Ok((splices.apply(bytes, part)?, boxes))
}

fn comment(pos: &Pos, author: &str, p: &str, text: &str) -> String {
    format!(
        "<{p}comment ref=\"{pos}\" authorId=\"{author}\"><{p}text>{}</{p}text></{p}comment>",
        run(p, text)
    )
}

fn run(p: &str, text: &str) -> String {
    format!(
        "<{p}r><{p}rPr><{p}sz val=\"9\"/></{p}rPr><{p}t xml:space=\"preserve\">{}</{p}t></{p}r>",
        xml::escape(text)
    )
}

const VML_NS: [(&str, &str); 3] = [
    ("v", "urn:schemas-microsoft-com:vml"),
    ("o", "urn:schemas-microsoft-com:office:office"),
    ("x", "urn:schemas-microsoft-com:office:excel"),
];

const NOTE_SHAPE_TYPE: &str = r##"<v:shapetype xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>"##;

/// The highest shape number used in a VML drawing (`_x0000_s1025` → 1025).
pub fn max_shape_id(vml: &str) -> u32 {
    vml.match_indices("_x0000_s")
        .filter_map(|(i, m)| {
            let digits: String = vml[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// A new VML drawing with a note box for each cell; shape numbers from `first`.
fn namespaces() -> String {
    VML_NS
        .iter()
        .map(|(p, ns)| format!(" xmlns:{p}=\"{ns}\""))
        .collect()
}

pub fn new_drawing(cells: &[Pos], first: u32) -> String {
    let namespaces = namespaces();
    let mut out = format!(
        "<xml{namespaces}><o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"{}\"/></o:shapelayout>{NOTE_SHAPE_TYPE}",
        first / 1024
    );
    for (k, pos) in cells.iter().enumerate() {
        out.push_str(&shape(pos, first.saturating_add(k as u32), k));
    }
    out.push_str("</xml>");
    out
}

/// An existing VML drawing with note boxes added (VML is often not well-formed XML, so this
/// edits the text: the boxes go before the last `</xml>`). Each added element declares its own
/// namespaces, since drawings differ in the prefixes they declare and where (openpyxl
/// declares them on each element).
pub fn add_to_drawing(vml: &str, part: &str, cells: &[Pos], first: u32) -> Result<String, ReissueError> {
    let close = vml
        .rfind("</xml>")
        .ok_or_else(|| ReissueError::layout(part, "缺少 </xml>"))?;
    let mut added = String::new();
    if !vml.contains("_x0000_t202") {
        added.push_str(NOTE_SHAPE_TYPE);
    }
    for (k, pos) in cells.iter().enumerate() {
        added.push_str(&shape(pos, first.saturating_add(k as u32), k));
    }
    Ok(format!("{}{added}{}", &vml[..close], &vml[close..]))
}

/// A hidden note box beside the cell, as Excel draws one.
fn shape(pos: &Pos, id: u32, z: usize) -> String {
    let (r, c) = (pos.row, pos.col);
    format!(
        "<v:shape{} id=\"_x0000_s{id}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:80pt;margin-top:2pt;width:220pt;height:90pt;z-index:{z};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, 15, {}, 2, {}, 15, {}, 4</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>",
        namespaces(),
        c.saturating_add(1),
        r.saturating_sub(1),
        c.saturating_add(4),
        r.saturating_add(5),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_join_the_filers_own() {
        let theirs = r#"<?xml version="1.0"?><comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>张三</author></authors><commentList><comment ref="I16" authorId="0"><text><t>已说明</t></text></comment><comment ref="H7" authorId="0"><text><r><t>按系统数</t></r></text></comment></commentList></comments>"#;
        let notes = [
            Note {
                pos: Pos::parse_a1("H7").unwrap(),
                text: "原值 95".into(),
            },
            Note {
                pos: Pos::parse_a1("H20").unwrap(),
                text: "原值 <5>".into(),
            },
        ];
        let (out, boxes) = comments(Some(theirs.as_bytes()), "c", "main", &notes).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(boxes, vec![Pos::parse_a1("H20").unwrap()]);
        assert!(out.contains("<author>张三</author><author>jixiao</author>"));
        assert!(
            out.contains("<t>已说明</t></text>"),
            "the other note is untouched: {out}"
        );
        assert!(out.contains("<r><t>按系统数</t></r><r><rPr><sz val=\"9\"/></rPr><t xml:space=\"preserve\">\njixiao：原值 95</t></r></text>"), "{out}");
        assert!(out.contains("<comment ref=\"H20\" authorId=\"1\"><text><r><rPr><sz val=\"9\"/></rPr><t xml:space=\"preserve\">原值 &lt;5&gt;</t></r></text></comment></commentList>"), "{out}");
    }

    #[test]
    fn drawings_number_their_shapes() {
        let cells = [Pos::parse_a1("H7").unwrap()];
        let vml = new_drawing(&cells, 2049);
        assert!(vml.contains("data=\"2\""));
        assert!(vml.contains("_x0000_s2049"));
        assert!(vml.contains("<x:Row>6</x:Row><x:Column>7</x:Column>"));
        assert_eq!(max_shape_id(&vml), 2049);
        let more = add_to_drawing(&vml, "v", &[Pos::parse_a1("A1").unwrap()], 2050).unwrap();
        assert_eq!(max_shape_id(&more), 2050);
        assert_eq!(more.matches("_x0000_t202\" coordsize").count(), 1);
    }
}
