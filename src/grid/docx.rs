//! Word documents (.docx): the tables of `word/document.xml` as one grid, so a form filled in
//! Word is located and checked exactly as one filled in a spreadsheet.
//!
//! Tables are stacked top to bottom in document order (a table broken at a page break simply
//! continues); short paragraphs between them (the title, `（2024年度）`, `填报单位：…`) become
//! one-cell rows, long prose is left out. `w:gridSpan` and `w:vMerge` become merged regions; a
//! cell's paragraphs are joined by line breaks; every value is text (the grammar reads numbers
//! such as `196,876.30` and `98.44%`). Tables nested in a cell add their text to that cell.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Cell, Grid, MAX_COLS, MAX_ROWS, ReadError, Region, Value};

/// The name a Word document's grid goes by (the report's `sheet`).
pub const SHEET: &str = "Word表格";

/// Paragraphs longer than this (characters) are prose, not a label of the form.
const MAX_LABEL_CHARS: usize = 60;

/// One cell of a Word table row.
struct WordCell {
    span: u32,
    merge: VMerge,
    text: String,
}

#[derive(Clone, Copy, PartialEq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

/// What the body holds, in order.
enum Block {
    Paragraph(String),
    Row {
        before: u32,
        cells: Vec<WordCell>,
    },
    /// The end of a table: vertical merges do not run into the next one.
    TableEnd,
}

/// Read the tables of a .docx held in memory into one grid.
pub(super) fn read_docx(bytes: &[u8], max_entry_bytes: u64) -> Result<Vec<Grid>, ReadError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
    let entry = zip
        .by_name("word/document.xml")
        .map_err(|e| ReadError::Corrupt(format!("word/document.xml: {e}")))?;
    let mut xml = Vec::new();
    entry
        .take(max_entry_bytes.saturating_add(1))
        .read_to_end(&mut xml)
        .map_err(ReadError::Io)?;
    if xml.len() as u64 > max_entry_bytes {
        return Err(ReadError::ZipBomb(format!(
            "word/document.xml 超过 {max_entry_bytes} 字节"
        )));
    }
    let blocks = parse(&xml)?;
    Ok(vec![lay_out(&blocks)])
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

/// The `w:val` attribute of an element.
fn val(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "val")
        .map(|a| a.value.to_string())
}

fn parse(xml: &[u8]) -> Result<Vec<Block>, ReadError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut blocks = Vec::new();
    // Table nesting: 1 inside a top-level table.
    let mut tables = 0u32;
    let mut row: Option<(u32, Vec<WordCell>)> = None;
    let mut cell: Option<WordCell> = None;
    let mut paragraph = String::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ReadError::Corrupt(format!("word/document.xml: {e}")))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let start = matches!(event, Event::Start(_));
                let name = local(e);
                match name.as_str() {
                    "tbl" => tables += 1,
                    "tr" if tables == 1 => row = Some((0, Vec::new())),
                    "gridBefore" if tables == 1 => {
                        if let Some((before, _)) = row.as_mut() {
                            *before = val(e).and_then(|v| v.parse().ok()).unwrap_or(0);
                        }
                    }
                    "tc" if tables == 1 => {
                        cell = Some(WordCell {
                            span: 1,
                            merge: VMerge::None,
                            text: String::new(),
                        })
                    }
                    "gridSpan" if tables == 1 => {
                        if let Some(c) = cell.as_mut() {
                            c.span = val(e)
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1)
                                .clamp(1, MAX_COLS);
                        }
                    }
                    "vMerge" if tables == 1 => {
                        if let Some(c) = cell.as_mut() {
                            c.merge = match val(e).as_deref() {
                                Some("restart") => VMerge::Restart,
                                _ => VMerge::Continue,
                            };
                        }
                    }
                    "t" => in_text = start,
                    "tab" => paragraph.push('\t'),
                    "br" | "cr" => paragraph.push('\n'),
                    _ => {}
                }
            }
            Event::Text(t) if in_text => paragraph.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => match r.resolve_char_ref() {
                Ok(Some(c)) => paragraph.push(c),
                _ => {
                    let entity = format!("&{};", r.xml10_content());
                    let resolved = quick_xml::escape::unescape(&entity).map(|c| c.into_owned());
                    paragraph.push_str(&resolved.unwrap_or_default());
                }
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    let text = std::mem::take(&mut paragraph);
                    match cell.as_mut() {
                        Some(c) if tables >= 1 => {
                            if !c.text.is_empty() && !text.trim().is_empty() {
                                c.text.push('\n');
                            }
                            c.text.push_str(text.trim());
                        }
                        _ if tables == 0 => {
                            let t = text.trim();
                            if !t.is_empty() && t.chars().count() <= MAX_LABEL_CHARS {
                                blocks.push(Block::Paragraph(t.to_string()));
                            }
                        }
                        _ => {}
                    }
                }
                "tc" if tables == 1 => {
                    if let (Some(c), Some((_, cells))) = (cell.take(), row.as_mut()) {
                        cells.push(c);
                    }
                }
                "tr" if tables == 1 => {
                    if let Some((before, cells)) = row.take() {
                        blocks.push(Block::Row { before, cells });
                    }
                }
                "tbl" => {
                    tables = tables.saturating_sub(1);
                    if tables == 0 {
                        blocks.push(Block::TableEnd);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(blocks)
}

/// Place the blocks on a grid: paragraphs in column 0, table cells at their grid columns.
fn lay_out(blocks: &[Block]) -> Grid {
    let mut cells = Vec::new();
    let mut merges: Vec<Region> = Vec::new();
    // The vertical merge open in each column: index into `merges`.
    let mut open: HashMap<u32, usize> = HashMap::new();
    let mut r = 0u32;
    for block in blocks {
        if r >= MAX_ROWS {
            break;
        }
        match block {
            Block::Paragraph(text) => {
                open.clear();
                cells.push((r, 0, text_cell(text)));
                r += 1;
            }
            Block::TableEnd => open.clear(),
            Block::Row { before, cells: row } => {
                let mut c = (*before).min(MAX_COLS);
                for cell in row {
                    if c >= MAX_COLS {
                        break;
                    }
                    let right = c.saturating_add(cell.span - 1).min(MAX_COLS - 1);
                    match cell.merge {
                        VMerge::Continue if open.contains_key(&c) => {
                            if let Some(m) = open.get(&c).and_then(|&i| merges.get_mut(i)) {
                                m.bottom = r;
                            }
                        }
                        merge => {
                            for col in c..=right {
                                open.remove(&col);
                            }
                            cells.push((r, c, text_cell(&cell.text)));
                            if merge == VMerge::Restart || right > c {
                                merges.push(Region {
                                    top: r,
                                    left: c,
                                    bottom: r,
                                    right,
                                });
                                if merge == VMerge::Restart {
                                    open.insert(c, merges.len() - 1);
                                }
                            }
                        }
                    }
                    c = right + 1;
                }
                r += 1;
            }
        }
    }
    merges.retain(|m| m.bottom > m.top || m.right > m.left);
    Grid::from_cells(SHEET, cells, merges)
}

fn text_cell(text: &str) -> Cell {
    let t = text.trim();
    Cell {
        value: if t.is_empty() {
            Value::Empty
        } else {
            Value::Text(t.to_string())
        },
        percent: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>项目支出绩效自评表</w:t></w:r></w:p>
<w:p><w:r><w:t>一段很长的说明文字</w:t></w:r><w:r><w:t xml:space="preserve">，超过六十个字符的段落不是表中的标签而是正文，所以不放进表格网格里面，以免干扰定位表头和读取数值的过程。</w:t></w:r></w:p>
<w:tbl>
<w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>产出指标</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>数量</w:t></w:r></w:p><w:p><w:r><w:t>指标</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>196,876.30</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>A&amp;B</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
</w:body></w:document>"#;

    #[test]
    fn tables_spans_and_vertical_merges() {
        let grid = lay_out(&parse(DOC.as_bytes()).expect("parses"));
        assert_eq!(grid.value(0, 0).text(), "项目支出绩效自评表");
        assert_eq!(grid.value(1, 0).text(), "产出指标");
        assert_eq!(grid.value(1, 1).text(), "数量\n指标");
        assert_eq!(grid.value(2, 1).text(), "196,876.30");
        assert_eq!(grid.value(2, 2).text(), "A&B");
        let merge = |r, c| grid.merge_at(r, c).map(|m| (m.top, m.left, m.bottom, m.right));
        assert_eq!(merge(2, 0), Some((1, 0, 2, 0)), "vMerge runs down");
        assert_eq!(merge(1, 2), Some((1, 1, 1, 2)), "gridSpan runs across");
    }
}
