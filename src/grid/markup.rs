//! Workbooks that are really markup: an HTML table or an Excel 2003 XML Spreadsheet saved with an
//! `.xls` name, as budget systems often export them. Both are read into the same [`Grid`] as a
//! real workbook — cells plus merged regions (`rowspan`/`colspan`, `ss:MergeDown`/
//! `ss:MergeAcross`) — so the rest of the pipeline cannot tell the difference.

use std::collections::HashSet;

use quick_xml::events::Event;
use scraper::{ElementRef, Html, Node, Selector};

use super::{Cell, Grid, MAX_COLS, MAX_ROWS, ReadError, Region, Value};
use crate::grammar::Date;
use crate::num;
use crate::xml::{local, local_attr};

/// Which markup a file holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Markup {
    Html,
    SpreadsheetMl,
}

/// Recognise markup from the start of a file (after a BOM and white space).
pub(super) fn sniff(bytes: &[u8]) -> Option<Markup> {
    let head: Vec<u8> = bytes.iter().take(4096).map(u8::to_ascii_lowercase).collect();
    let head = String::from_utf8_lossy(&head);
    let start = head.trim_start_matches('\u{feff}').trim_start();
    if !start.starts_with('<') {
        return None;
    }
    if head.contains("urn:schemas-microsoft-com:office:spreadsheet") && head.contains("<workbook") {
        return Some(Markup::SpreadsheetMl);
    }
    if head.contains("<html") || head.contains("<table") || head.contains("<!doctype html") {
        return Some(Markup::Html);
    }
    None
}

/// Decode markup bytes: a BOM or valid UTF-8 first, else the declared charset, else GB18030
/// (what Chinese systems mean when they declare nothing).
fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let label = ["charset=", "encoding="].iter().find_map(|key| {
        let at = head.find(key)? + key.len();
        let rest = head[at..].trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        Some(rest[..end].to_string())
    });
    let encoding = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::GB18030);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Read every `<table>` of an HTML document as a sheet (`表1`, `表2`, …, or the page title).
pub(super) fn read_html(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let text = decode(bytes);
    let doc = Html::parse_document(&text);
    let tables = selector("table")?;
    let title = selector("title")?;
    let page_title = doc
        .select(&title)
        .next()
        .map(|t| t.text().collect::<String>().trim().to_string())
        .filter(|t| !t.is_empty());
    let all: Vec<ElementRef> = doc.select(&tables).collect();
    // Only outermost tables: a table nested in a cell is part of that cell's text.
    let outer: Vec<ElementRef> = all
        .iter()
        .copied()
        .filter(|t| {
            !t.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "table")
        })
        .collect();
    let mut grids = Vec::new();
    for (i, table) in outer.iter().enumerate() {
        let name = match (&page_title, outer.len()) {
            (Some(t), 1) => t.clone(),
            _ => format!("表{}", i + 1),
        };
        grids.push(html_table(&name, *table));
    }
    if grids.is_empty() {
        return Err(ReadError::Corrupt("HTML 文件中没有表格".into()));
    }
    Ok(grids)
}

fn selector(css: &str) -> Result<Selector, ReadError> {
    Selector::parse(css).map_err(|e| ReadError::Corrupt(format!("selector {css}: {e}")))
}

/// Lay out one table with the HTML table algorithm: each cell takes the next free column of
/// its row, and `rowspan`/`colspan` reserve the cells it covers.
fn html_table(name: &str, table: ElementRef) -> Grid {
    let mut taken: HashSet<(u32, u32)> = HashSet::new();
    let mut cells = Vec::new();
    let mut merges = Vec::new();
    let rows = table
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "tr")
        .filter(|tr| nearest_table(*tr) == Some(table.id()));
    for (r, tr) in rows.enumerate() {
        let r = r as u32;
        if r >= MAX_ROWS {
            break;
        }
        let mut c = 0u32;
        for td in tr
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|e| matches!(e.value().name(), "td" | "th"))
        {
            while taken.contains(&(r, c)) {
                c += 1;
            }
            if c >= MAX_COLS {
                break;
            }
            let span = |attr: &str, max: u32| {
                td.value()
                    .attr(attr)
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, max)
            };
            let (rowspan, colspan) = (span("rowspan", MAX_ROWS - r), span("colspan", MAX_COLS - c));
            for dr in 0..rowspan {
                for dc in 0..colspan {
                    taken.insert((r + dr, c + dc));
                }
            }
            if rowspan > 1 || colspan > 1 {
                merges.push(Region {
                    top: r,
                    left: c,
                    bottom: r + rowspan - 1,
                    right: c + colspan - 1,
                });
            }
            // Excel's own HTML export carries the number behind the display text.
            let value = match td.value().attr("x:num").and_then(|n| num::parse_number(n.trim())) {
                Some(d) => Value::Number(d),
                None => {
                    let text = cell_text(td);
                    if text.trim().is_empty() {
                        Value::Empty
                    } else {
                        Value::Text(text)
                    }
                }
            };
            cells.push((
                r,
                c,
                Cell {
                    value,
                    percent: false,
                },
            ));
            c += colspan;
        }
    }
    Grid::from_cells(name, cells, merges)
}

fn nearest_table(e: ElementRef) -> Option<ego_tree::NodeId> {
    e.ancestors()
        .find(|a| matches!(a.value(), Node::Element(el) if el.name() == "table"))
        .map(|a| a.id())
}

/// A cell's text with `<br>` and block boundaries as line breaks.
fn cell_text(td: ElementRef) -> String {
    let mut out = String::new();
    for node in td.descendants() {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if matches!(e.name(), "br" | "p" | "div") && !out.is_empty() => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// A worksheet being read from SpreadsheetML.
struct Sheet {
    name: String,
    cells: Vec<(u32, u32, Cell)>,
    merges: Vec<Region>,
}

/// Read an Excel 2003 XML Spreadsheet (`<Workbook xmlns="urn:schemas-microsoft-com:office:
/// spreadsheet">`): `Worksheet` → `Table` → `Row` → `Cell` → `Data`.
pub(super) fn read_spreadsheetml(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let text = decode(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut grids = Vec::new();
    let mut sheet: Option<Sheet> = None;
    let (mut row, mut col) = (0u32, 0u32);
    let mut data: Option<(String, String)> = None; // (type, text)
    let mut cell_at = (0u32, 0u32);
    loop {
        let event = reader.read_event().map_err(|e| {
            ReadError::Corrupt(format!(
                "XML 第 {} 字节处：{}",
                reader.error_position(),
                crate::xml::describe_error(&e)
            ))
        })?;
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if local(&e) == "Worksheet" => {
                let name = local_attr(&e, "Name").unwrap_or_else(|| format!("Sheet{}", grids.len() + 1));
                sheet = Some(Sheet {
                    name,
                    cells: Vec::new(),
                    merges: Vec::new(),
                });
                row = 0;
            }
            Event::Start(e) if local(&e) == "Row" => {
                if let Some(i) = local_attr(&e, "Index").and_then(|v| v.parse::<u32>().ok()) {
                    row = i.saturating_sub(1);
                }
                col = 0;
            }
            Event::Empty(e) if local(&e) == "Row" => {
                row = local_attr(&e, "Index")
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(row + 1);
            }
            Event::End(e) if e.local_name().as_ref() == "Row" => row += 1,
            Event::Start(e) | Event::Empty(e) if local(&e) == "Cell" => {
                if let Some(i) = local_attr(&e, "Index").and_then(|v| v.parse::<u32>().ok()) {
                    col = i.saturating_sub(1);
                }
                let across = local_attr(&e, "MergeAcross")
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
                    .min(MAX_COLS);
                let down = local_attr(&e, "MergeDown")
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
                    .min(MAX_ROWS);
                if let Some(Sheet { merges, .. }) = sheet.as_mut()
                    && (across > 0 || down > 0)
                    && row < MAX_ROWS
                    && col < MAX_COLS
                {
                    merges.push(Region {
                        top: row,
                        left: col,
                        bottom: row + down,
                        right: col + across,
                    });
                }
                cell_at = (row, col);
                col = col.saturating_add(1 + across);
            }
            Event::Start(e) if local(&e) == "Data" => {
                data = Some((local_attr(&e, "Type").unwrap_or_default(), String::new()));
            }
            Event::Text(t) => {
                if let Some((_, text)) = data.as_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, text)) = data.as_mut() {
                    crate::xml::push_reference(text, &r);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Data" => {
                if let (Some((kind, text)), Some(Sheet { cells, .. })) = (data.take(), sheet.as_mut()) {
                    let value = typed(&kind, text);
                    cells.push((
                        cell_at.0,
                        cell_at.1,
                        Cell {
                            value,
                            percent: false,
                        },
                    ));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Worksheet" => {
                if let Some(Sheet { name, cells, merges }) = sheet.take() {
                    grids.push(Grid::from_cells(name, cells, merges));
                }
            }
            _ => {}
        }
    }
    if grids.is_empty() {
        return Err(ReadError::Corrupt("XML 表格中没有工作表".into()));
    }
    Ok(grids)
}

/// A `Data` element's value by its `ss:Type`.
fn typed(kind: &str, text: String) -> Value {
    match kind {
        "Number" => match num::parse_number(text.trim()) {
            Some(d) => Value::Number(d),
            None => Value::Text(text),
        },
        "Boolean" => Value::Bool(text.trim() == "1"),
        "DateTime" => iso_date(&text).map(Value::Date).unwrap_or(Value::Text(text)),
        "Error" => Value::Error(text),
        _ if text.trim().is_empty() => Value::Empty,
        _ => Value::Text(text),
    }
}

/// `2024-12-31T00:00:00.000` → 2024-12-31.
fn iso_date(text: &str) -> Option<Date> {
    let day = text.trim().get(..10)?;
    let mut parts = day.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Date::new(year, month, d)
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn html_spans_become_merged_regions() {
        let html = r#"<html><head><meta charset="utf-8"><title>定额公用经费</title></head><body><table>
            <tr><td colspan="3">项目支出绩效目标自评表</td></tr>
            <tr><td rowspan="2">数量指标</td><td>水电通讯等保障</td><td x:num="5">5.00</td></tr>
            <tr><td>工作调研等</td><td>5</td></tr></table></body></html>"#;
        let grids = read_html(html.as_bytes()).expect("reads");
        assert_eq!(grids.len(), 1);
        let g = &grids[0];
        assert_eq!(g.name, "定额公用经费");
        assert_eq!(g.value(0, 0), &Value::Text("项目支出绩效目标自评表".into()));
        // The second row's cells shift right of the rowspan.
        assert_eq!(g.value(2, 1), &Value::Text("工作调研等".into()));
        assert_eq!(g.value(1, 2), &Value::Number(Decimal::from(5)));
        assert!(g.merges.contains(&Region {
            top: 1,
            left: 0,
            bottom: 2,
            right: 0
        }));
        assert!(g.merges.contains(&Region {
            top: 0,
            left: 0,
            bottom: 0,
            right: 2
        }));
    }

    #[test]
    fn gbk_html_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK
            .encode("<html><head><meta charset=gbk></head><table><tr><td>项目名称</td></tr></table></html>");
        let grids = read_html(&bytes).expect("reads");
        assert_eq!(grids[0].value(0, 0), &Value::Text("项目名称".into()));
    }

    #[test]
    fn spreadsheetml_cells_indexes_and_merges() {
        let xml = r#"<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="定额公用经费"><Table>
<Row><Cell ss:MergeAcross="2"><Data ss:Type="String">项目支出绩效目标自评表</Data></Cell></Row>
<Row ss:Index="3"><Cell ss:Index="2" ss:MergeDown="1"><Data ss:Type="Number">196876.3</Data></Cell><Cell><Data ss:Type="DateTime">2024-12-31T00:00:00.000</Data></Cell></Row>
</Table></Worksheet></Workbook>"#;
        assert_eq!(sniff(xml.as_bytes()), Some(Markup::SpreadsheetMl));
        let grids = read_spreadsheetml(xml.as_bytes()).expect("reads");
        let g = &grids[0];
        assert_eq!(g.name, "定额公用经费");
        assert_eq!(
            g.value(2, 1),
            &Value::Number("196876.3".parse().expect("decimal"))
        );
        assert_eq!(
            g.value(2, 2),
            &Value::Date(Date::new(2024, 12, 31).expect("date"))
        );
        assert_eq!(
            g.merges,
            [
                Region {
                    top: 0,
                    left: 0,
                    bottom: 0,
                    right: 2
                },
                Region {
                    top: 2,
                    left: 1,
                    bottom: 3,
                    right: 1
                }
            ]
        );
    }

    #[test]
    fn plain_text_is_not_markup() {
        assert_eq!(sniff(b"hello"), None);
        assert_eq!(sniff(b"  <!DOCTYPE html><html>"), Some(Markup::Html));
    }
}
