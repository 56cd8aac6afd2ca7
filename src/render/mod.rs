//! Stage 5: write workbooks — the blank standard template, the corrected workbook of each input
//! workbook, and the summary workbook of a run.
//!
//! rust_xlsxwriter cannot edit a file, so a corrected workbook is rebuilt: every form is laid out
//! in the standard template of its layout ([`template`] holds that layout, once, for both the
//! blank and the filled form), with the corrected cells highlighted and annotated. Every
//! function returns the xlsx bytes and the caller writes them; the bytes depend only on the
//! input (the document creation time is fixed), so identical runs give identical files.
//! Figures stay `Decimal` until the moment a cell is written.
//!
//! Why ~820 lines (350 of them tests): the list writer, its item formats and the corrected workbook
//! share one set of formats; the template and the summary are modules of their own.

mod summary;
pub use summary::SummaryBuilder;
mod template;
mod workbook;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Url, Workbook, Worksheet,
    XlsxError,
};

use crate::form::{Form, Layout};
use crate::report::Report;
use crate::rules::Finding;

/// What can go wrong while building a workbook.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The xlsx writer refused a cell, a merge, a name or the package.
    #[error("生成工作簿失败：{0}")]
    Xlsx(#[from] XlsxError),
    /// A figure too large for a spreadsheet number.
    #[error("数值 {0} 无法写入单元格（超出电子表格数值范围）")]
    Number(Decimal),
    /// Any of the above, while writing one sheet.
    #[error("生成工作表“{sheet}”失败：{source}")]
    Sheet { sheet: String, source: Box<RenderError> },
}

impl RenderError {
    fn in_sheet(sheet: &str) -> impl FnOnce(RenderError) -> RenderError + '_ {
        move |e| RenderError::Sheet {
            sheet: sheet.to_string(),
            source: Box::new(e),
        }
    }
}

/// One form of a corrected workbook: the corrected form and the findings about it.
#[derive(Debug, Clone, Copy)]
pub struct CorrectedForm<'a> {
    /// The corrected form (`rules::Checked::corrected`); fields `fix` changed carry `change`.
    pub form: &'a Form,
    pub findings: &'a [Finding],
}

/// A blank standard form of `layout` (`jixiao template`), as xlsx bytes.
pub fn template(layout: Layout) -> Result<Vec<u8>, RenderError> {
    template::blank(layout)
}

/// The corrected workbook of one input workbook: one sheet per form in the standard template of
/// its layout, corrected cells highlighted and annotated, and a `核查意见` sheet listing the
/// findings. Returns xlsx bytes.
pub fn corrected_workbook(forms: &[CorrectedForm<'_>]) -> Result<Vec<u8>, RenderError> {
    workbook::corrected(forms)
}

/// `summary.xlsx` of a run: 项目汇总 (one row per form or failed file), 问题清单 (one row per
/// finding) and 统计 (counts and the grade distribution with a chart). Returns xlsx bytes.
pub fn summary(report: &Report) -> Result<Vec<u8>, RenderError> {
    summary::render(report)
}

/// The CJK font of every cell we write.
pub(crate) const FONT: &str = "宋体";
/// GB2312 charset, so Excel picks the CJK font face for 宋体.
const FONT_CHARSET: u8 = 134;
/// Font size of table cells.
pub(crate) const FONT_SIZE: f64 = 10.0;
/// Excel's A4 paper size id.
pub(crate) const PAPER_A4: u8 = 9;
/// Author of the notes on corrected cells.
pub(crate) const NOTE_AUTHOR: &str = "jixiao";
/// Excel's limit of hyperlinks per worksheet; beyond it a link is written as plain text.
const MAX_LINKS_PER_SHEET: usize = 65_000;

/// A workbook whose document properties are fixed, so equal content gives equal bytes.
pub(crate) fn new_workbook() -> Result<Workbook, RenderError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2025, 1, 1)?.and_hms(0, 0, 0)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_author("jixiao")
            .set_creation_datetime(&created),
    );
    Ok(workbook)
}

/// The base cell format: 宋体 at the table size.
pub(crate) fn base_format() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_font_charset(FONT_CHARSET)
        .set_font_size(FONT_SIZE)
}

/// The one place a figure becomes binary floating point: when it is written to a cell.
pub(crate) fn to_f64(d: Decimal) -> Result<f64, RenderError> {
    d.to_f64().filter(|f| f.is_finite()).ok_or(RenderError::Number(d))
}

/// Printed width of text in Excel column units: a CJK (any non-ASCII) character takes two, an
/// ASCII character one. Of a multi-line text, the widest line.
pub(crate) fn display_width(text: &str) -> usize {
    text.split('\n')
        .map(|line| line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum())
        .max()
        .unwrap_or(0)
}

/// Lines a wrapped text takes in a cell `width` column units wide.
pub(crate) fn wrapped_lines(text: &str, width: f64) -> u32 {
    // One unit of padding; at least one character per line.
    let usable = (width - 1.0).max(2.0);
    text.split('\n')
        .map(|line| {
            let w: usize = line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            // Widths are small integers, so the float division is exact enough.
            ((w as f64) / usable).ceil().max(1.0) as u32
        })
        .sum::<u32>()
        .max(1)
}

/// A worksheet name Excel accepts, unique (case-insensitively) among `used`, which it joins:
/// invalid characters become `_`, apostrophes are trimmed from the ends, the name is cut to 31
/// UTF-16 units, and a clash gets ` (2)`, ` (3)`… (cut so the suffix fits).
pub(crate) fn unique_sheet_name(wanted: &str, used: &mut Vec<String>) -> String {
    let cleaned: String = wanted
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim().to_string();
    let base = if cleaned.is_empty() {
        "自评表".to_string()
    } else {
        cleaned
    };
    let taken = |name: &str, used: &[String]| {
        name.eq_ignore_ascii_case("History") || used.iter().any(|u| u.to_lowercase() == name.to_lowercase())
    };
    let mut name = cut_utf16(&base, 31);
    let mut n = 2;
    while taken(&name, used) {
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.encode_utf16().count();
        name = format!(
            "{}{suffix}",
            cut_utf16(&base, keep).trim_end().trim_end_matches('\'')
        );
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Excel's limit on the text of one cell, in UTF-16 units.
const MAX_CELL_TEXT: usize = 32_767;

/// Text as a cell can hold it: cut at Excel's 32,767-unit limit (only a hostile or broken
/// input gets there; the writer would refuse the whole workbook otherwise).
pub(crate) fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MAX_CELL_TEXT {
        // UTF-16 units never outnumber UTF-8 bytes.
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(cut_utf16(s, MAX_CELL_TEXT))
    }
}

/// The longest prefix of `s` that fits in `max` UTF-16 units.
fn cut_utf16(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in s.chars() {
        len += c.len_utf16();
        if len > max {
            break;
        }
        out.push(c);
    }
    out
}

/// A reference to a cell of another sheet of the same workbook, for `internal:` links.
pub(crate) fn sheet_ref(sheet: &str, row: u32, col: u16) -> String {
    format!(
        "'{}'!{}",
        sheet.replace('\'', "''"),
        crate::grid::Pos::new(row, u32::from(col))
    )
}

/// The columns a finding fills in the 核查意见 and 问题清单 sheets, from 单元格 to 说明.
pub(crate) fn finding_items(f: &Finding) -> Vec<Item> {
    vec![
        Item::text(&f.cell),
        Item::text(f.code.as_str()),
        Item::text(f.severity.label()),
        Item::text(&f.subject),
        Item::text(&f.reported),
        Item::text(&f.expected),
        Item::text(if f.fixed { "是" } else { "否" }),
        Item::text(&f.message),
    ]
}

/// One cell of a list sheet (核查意见, 项目汇总, 问题清单, 统计).
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Empty,
    Text(String),
    /// Text highlighted as a corrected cell is (a value that differs from its counterpart).
    Marked(String),
    /// An amount, `#,##0.00`.
    Money(Decimal),
    /// A rate or a score, `0.00`.
    Fixed(Decimal),
    Count(usize),
    /// A hyperlink showing `text` (rust_xlsxwriter keeps these per sheet: for a few links).
    Link {
        url: String,
        text: String,
    },
    /// A link to another file, relative to this workbook, written as a `HYPERLINK` formula: it
    /// costs no per-sheet memory, so a summary of any length can link every row.
    FileLink {
        path: String,
        text: String,
    },
    /// A rate in percent points computed in the sheet from two amount columns of the same row
    /// (`=IF(B>0,ROUND(E/B*100,2),0)`), with `value` as its cached result.
    RateOf {
        budget_col: u16,
        executed_col: u16,
        value: Decimal,
    },
}

impl Item {
    pub(crate) fn text(s: impl Into<String>) -> Item {
        Item::Text(s.into())
    }

    /// A decimal given as a report string: a number when it parses, the text otherwise.
    pub(crate) fn decimal(s: Option<&str>, money: bool) -> Item {
        use std::str::FromStr;
        match s {
            None => Item::Empty,
            Some(s) => match Decimal::from_str(s.trim()) {
                Ok(d) if money => Item::Money(d),
                Ok(d) => Item::Fixed(d),
                Err(_) => Item::Text(s.to_string()),
            },
        }
    }

    fn shown(&self) -> String {
        match self {
            Item::Empty => String::new(),
            Item::Text(s) | Item::Marked(s) => s.clone(),
            Item::Money(d) => crate::num::fmt_amount(*d),
            Item::Fixed(d) | Item::RateOf { value: d, .. } => crate::num::fmt_plain(crate::num::round2(*d)),
            Item::Count(n) => n.to_string(),
            Item::Link { text, .. } | Item::FileLink { text, .. } => text.clone(),
        }
    }
}

/// A column of a list sheet: its header and the widest it may grow (column units).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub header: &'static str,
    pub max_width: usize,
}

/// Column header format of list sheets.
pub(crate) fn list_header_format() -> Format {
    base_format()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xDDEBF7)
}

/// Body cell format of list sheets.
pub(crate) fn list_cell_format() -> Format {
    base_format()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

/// A list table being written row by row (also in constant-memory mode, where rows must come
/// in order): the header, then rows, then `finish` sets widths, the filter and frozen header.
pub(crate) struct ListWriter {
    top: u32,
    row: u32,
    columns: Vec<Column>,
    widths: Vec<usize>,
    links: usize,
    cell: Format,
    money: Format,
    fixed: Format,
    count: Format,
    link: Format,
    marked: Format,
}

impl ListWriter {
    /// Write the header row at `top`.
    pub(crate) fn start(ws: &mut Worksheet, top: u32, columns: &[Column]) -> Result<ListWriter, RenderError> {
        let header = list_header_format();
        let cell = list_cell_format();
        ws.set_row_height(top, 24)?;
        for (c, column) in columns.iter().enumerate() {
            ws.write_string_with_format(top, col(c)?, column.header, &header)?;
        }
        Ok(ListWriter {
            top,
            row: top,
            columns: columns.to_vec(),
            widths: columns.iter().map(|c| display_width(c.header) + 2).collect(),
            links: 0,
            money: cell.clone().set_num_format("#,##0.00"),
            fixed: cell.clone().set_num_format("0.00"),
            count: cell.clone().set_align(FormatAlign::Center),
            link: cell.clone().set_hyperlink(),
            marked: cell
                .clone()
                .set_background_color(rust_xlsxwriter::Color::RGB(0xFFE699)),
            cell,
        })
    }

    /// Write one row below the last.
    pub(crate) fn row(&mut self, ws: &mut Worksheet, items: &[Item]) -> Result<(), RenderError> {
        self.row += 1;
        let row = self.row;
        for (c, item) in items.iter().enumerate() {
            let col = col(c)?;
            match item {
                Item::Empty => {
                    ws.write_blank(row, col, &self.cell)?;
                }
                Item::Text(s) => {
                    ws.write_string_with_format(row, col, cell_text(s), &self.cell)?;
                }
                Item::Marked(s) => {
                    ws.write_string_with_format(row, col, cell_text(s), &self.marked)?;
                }
                Item::Money(d) => {
                    ws.write_number_with_format(row, col, to_f64(*d)?, &self.money)?;
                }
                Item::Fixed(d) => {
                    ws.write_number_with_format(row, col, to_f64(*d)?, &self.fixed)?;
                }
                Item::RateOf {
                    budget_col,
                    executed_col,
                    value,
                } => {
                    let n = row + 1;
                    let (b, e) = (
                        crate::grid::col_name(u32::from(*budget_col)),
                        crate::grid::col_name(u32::from(*executed_col)),
                    );
                    let formula = Formula::new(format!("IF({b}{n}>0,ROUND({e}{n}/{b}{n}*100,2),0)"))
                        .set_result(crate::num::fmt_plain(crate::num::round2(*value)));
                    ws.write_formula_with_format(row, col, formula, &self.fixed)?;
                }
                Item::Count(n) => {
                    let n = u32::try_from(*n).unwrap_or(u32::MAX);
                    ws.write_number_with_format(row, col, f64::from(n), &self.count)?;
                }
                Item::FileLink { path, text } => {
                    // A formula's string literals hold at most 255 characters.
                    let quote = |t: &str| t.replace('"', "\"\"");
                    if path.chars().count() <= 255 && text.chars().count() <= 255 {
                        let formula =
                            Formula::new(format!("HYPERLINK(\"{}\",\"{}\")", quote(path), quote(text)))
                                .set_result(cell_text(text));
                        ws.write_formula_with_format(row, col, formula, &self.link)?;
                    } else {
                        ws.write_string_with_format(row, col, cell_text(text), &self.cell)?;
                    }
                }
                Item::Link { url, text } => {
                    let linked = self.links < MAX_LINKS_PER_SHEET
                        && ws
                            .write_url_with_format(row, col, Url::new(url).set_text(text), &self.link)
                            .is_ok();
                    if linked {
                        self.links += 1;
                    } else {
                        ws.write_string_with_format(row, col, cell_text(text), &self.cell)?;
                    }
                }
            }
            if let Some(w) = self.widths.get_mut(c) {
                *w = (*w).max(display_width(&item.shown()) + 2);
            }
        }
        Ok(())
    }

    /// Column widths that fit what was written, and for a list with `filter`, the autofilter,
    /// frozen header and repeated print header. Returns the row after the list.
    pub(crate) fn finish(self, ws: &mut Worksheet, filter: bool) -> Result<u32, RenderError> {
        for (c, column) in self.columns.iter().enumerate() {
            let width = self.widths.get(c).copied().unwrap_or(8).min(column.max_width);
            // Small integers: exact in f64.
            ws.set_column_width(col(c)?, width as f64)?;
        }
        if filter {
            ws.set_freeze_panes(self.top + 1, 0)?;
            if let Some(last) = self.columns.len().checked_sub(1) {
                ws.autofilter(self.top, 0, self.row, col(last)?)?;
            }
            ws.set_repeat_rows(self.top, self.top)?;
        }
        Ok(self.row + 1)
    }
}

/// Write a whole list table at `top`; returns the row after it.
pub(crate) fn write_list(
    ws: &mut Worksheet,
    top: u32,
    columns: &[Column],
    rows: &[Vec<Item>],
    filter: bool,
) -> Result<u32, RenderError> {
    let mut list = ListWriter::start(ws, top, columns)?;
    for items in rows {
        list.row(ws, items)?;
    }
    list.finish(ws, filter)
}

/// Landscape A4, one page wide, for list sheets.
pub(crate) fn landscape(ws: &mut Worksheet) {
    ws.set_landscape()
        .set_paper_size(PAPER_A4)
        .set_print_fit_to_pages(1, 0)
        .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
}

/// A column index as rust_xlsxwriter's column number.
pub(crate) fn col(c: usize) -> Result<u16, RenderError> {
    u16::try_from(c).map_err(|_| RenderError::Xlsx(XlsxError::RowColumnLimitError))
}

#[cfg(test)]
mod tests {
    //! Shared fixtures of the render tests: a small form built by hand and a reader that opens
    //! rendered bytes with calamine.

    use std::collections::BTreeMap;
    use std::io::{Cursor, Read as _};
    use std::str::FromStr;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::form::{Change, Field, FundLine, FundRow, Funds, Indicator, MoneyUnit};
    use crate::grid::Pos;
    use crate::grid::Value;
    use crate::rules::{Code, Severity};

    pub(crate) fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test literal")
    }

    fn num(row: u32, col: u32, s: &str) -> Field {
        Field::at(Pos::new(row, col), Value::Number(dec(s)))
    }

    fn text(row: u32, col: u32, s: &str) -> Field {
        Field::at(Pos::new(row, col), Value::Text(s.to_string()))
    }

    fn corrected(mut field: Field, original: Value, code: Code) -> Field {
        field.change = Some(Change {
            original,
            code,
            percent: false,
        });
        field
    }

    /// 定额公用经费 of the seed, at the cells of `samples/` (indicators from row 16), cut to
    /// five indicators, with 执行率 corrected from 98.43 and one cost score from 3.
    pub(crate) fn sample_form() -> Form {
        let line = |row: FundRow, r: u32, b: &str, e: &str| FundLine {
            row,
            label: row.label(Layout::Guizhou).to_string(),
            initial: num(r, 3, "0"),
            budget: num(r, 4, b),
            executed: num(r, 5, e),
            forecast: Field::default(),
        };
        let reason = "偏差原因：2024年4月新组建部门，办公用品需求量测算值偏小。";
        let ind = |r: u32, l2: &str, name: &str, target: &str, actual: &str, w: &str, s: Field| Indicator {
            level1: "产出指标\n(50分)".to_string(),
            level2: l2.to_string(),
            name: text(r, 3, name),
            target: text(r, 4, target),
            actual: text(r, 5, actual),
            weight: num(r, 6, w),
            score: s,
            reason: if l2 == "数量指标" {
                text(15, 8, reason)
            } else {
                Field::at(Pos::new(r, 8), Value::Empty)
            },
            remark: Field::at(Pos::new(r, 9), Value::Empty),
            forecast: Field::default(),
            likelihood: Field::default(),
            measures: Field::default(),
            adjusted: Field::default(),
            coefficient: Field::default(),
            sub_row: false,
            template: false,
            subtotal: false,
            funds_row: false,
        };
        Form {
            sheet: "定额公用经费".to_string(),
            kind: Default::default(),
            head_only: false,
            layout: Layout::Guizhou,
            formats_known: true,
            grade_bands: Some([Decimal::from(90), Decimal::from(80), Decimal::from(60)]),
            reason_block: None,
            indicators_stated: None,
            reading: Default::default(),
            title: text(0, 0, "项目支出绩效目标自评表"),
            year: text(1, 0, "（2024年度）"),
            unit_name: text(2, 0, "单位（盖章）："),
            date: text(2, 6, "填报日期：20250211"),
            project: text(3, 2, "定额公用经费"),
            department: text(4, 2, "[197]中共黔南州委社会工作部"),
            implementer: text(4, 7, "中共黔南州委社会工作部"),
            funds: Funds {
                unit: MoneyUnit::Yuan,
                unit_stated: true,
                score_via_rate: false,
                months: None,
                lines: vec![
                    line(FundRow::Total, 6, "200000", "196876.3"),
                    line(FundRow::Fiscal, 7, "200000", "196876.3"),
                    line(FundRow::Local, 8, "200000", "196876.3"),
                    line(FundRow::Superior, 9, "0", "0"),
                    line(FundRow::Other, 10, "0", "0"),
                ],
                points: num(6, 6, "10"),
                rate: corrected(
                    num(6, 7, "98.44"),
                    Value::Number(dec("98.43")),
                    Code::ExecutionRateMismatch,
                ),
                score: num(6, 8, "9.84"),
                stated_points: None,
                rate_is_ratio: false,
                reason: Field::default(),
            },
            goal_expected: text(12, 1, "目标1：保障部机关高效运转。"),
            goal_actual: text(12, 6, "完成办公用品保障8批次。"),
            indicators: vec![
                ind(
                    15,
                    "数量指标",
                    "水电通讯等保障",
                    "≥9次",
                    "9次",
                    "5",
                    num(15, 7, "5"),
                ),
                ind(
                    16,
                    "数量指标",
                    "工作调研等",
                    "≥30次",
                    "35次",
                    "5",
                    num(16, 7, "5"),
                ),
                ind(
                    17,
                    "数量指标",
                    "办公用品等保障",
                    "≥6批次",
                    "8批次",
                    "5",
                    num(17, 7, "5"),
                ),
                ind(
                    18,
                    "质量指标",
                    "办公用品等",
                    "强效益",
                    "达成预期指标",
                    "5",
                    num(18, 7, "5"),
                ),
                ind(
                    19,
                    "成本指标",
                    "水电通讯等支出",
                    "≤35000元",
                    "31876.3元",
                    "4",
                    corrected(
                        num(19, 7, "4"),
                        Value::Number(dec("3")),
                        Code::IndicatorScoreMismatch,
                    ),
                ),
            ],
            total_points: num(20, 6, "100"),
            total: num(20, 7, "33.84"),
            conclusion: text(21, 1, "优。自评为优的理由：一是项目年度目标任务设置合理。"),
            contact: text(22, 0, "联系人：何娟"),
        }
    }

    pub(crate) fn sample_findings() -> Vec<Finding> {
        let finding =
            |code: Code, cell: &str, subject: &str, reported: &str, expected: &str, fixed| Finding {
                code,
                severity: code.severity(),
                cell: cell.to_string(),
                subject: subject.to_string(),
                reported: reported.to_string(),
                expected: expected.to_string(),
                fixed,
                message: format!("{} 有误", code.title()),
            };
        vec![
            finding(
                Code::ExecutionRateMismatch,
                "H7",
                "funds.total.rate",
                "98.43",
                "98.44",
                true,
            ),
            finding(
                Code::IndicatorScoreMismatch,
                "H20",
                "indicator:成本指标/水电通讯等支出",
                "3",
                "4",
                true,
            ),
            finding(
                Code::DeviationWithoutReason,
                "F18",
                "indicator:数量指标/办公用品等保障",
                "8批次",
                "",
                false,
            ),
        ]
    }

    /// A rendered workbook read back: sheet names, values, formulas and merges per sheet.
    pub(crate) struct Book {
        pub names: Vec<String>,
        pub cells: BTreeMap<String, calamine::Range<Data>>,
        pub formulas: BTreeMap<String, calamine::Range<String>>,
        pub merges: BTreeMap<String, Vec<calamine::Dimensions>>,
        bytes: Vec<u8>,
    }

    impl Book {
        pub(crate) fn open(bytes: &[u8]) -> Book {
            let mut xlsx = Xlsx::new(Cursor::new(bytes.to_vec())).expect("rendered xlsx opens");
            let names = xlsx.sheet_names();
            let mut book = Book {
                names: names.clone(),
                cells: BTreeMap::new(),
                formulas: BTreeMap::new(),
                merges: BTreeMap::new(),
                bytes: bytes.to_vec(),
            };
            for name in names {
                book.cells
                    .insert(name.clone(), xlsx.worksheet_range(&name).expect("range"));
                book.formulas
                    .insert(name.clone(), xlsx.worksheet_formula(&name).expect("formulas"));
                let merges = xlsx.merge_cells_by_sheet_name(&name).expect("merges");
                book.merges.insert(name, merges);
            }
            book
        }

        /// The value at an A1 reference.
        pub(crate) fn at(&self, sheet: &str, a1: &str) -> Data {
            let (row, col) = a1_pos(a1);
            self.cells[sheet]
                .get_value((row, col))
                .cloned()
                .unwrap_or(Data::Empty)
        }

        /// The text at an A1 reference (`""` when not text).
        pub(crate) fn text(&self, sheet: &str, a1: &str) -> String {
            match self.at(sheet, a1) {
                Data::String(s) => s,
                _ => String::new(),
            }
        }

        /// The formula at an A1 reference (`""` when none).
        pub(crate) fn formula(&self, sheet: &str, a1: &str) -> String {
            let (row, col) = a1_pos(a1);
            self.formulas[sheet]
                .get_value((row, col))
                .cloned()
                .unwrap_or_default()
        }

        /// True when a merged region spans exactly `range` (`B16:B20`).
        pub(crate) fn merged(&self, sheet: &str, range: &str) -> bool {
            let (a, b) = range.split_once(':').expect("range");
            let (start, end) = (a1_pos(a), a1_pos(b));
            self.merges[sheet]
                .iter()
                .any(|d| d.start == start && d.end == end)
        }

        /// Rows of a sheet as text (numbers in plain notation), trailing empties kept.
        pub(crate) fn rows(&self, sheet: &str) -> Vec<Vec<String>> {
            self.cells[sheet]
                .rows()
                .map(|r| r.iter().map(|d| d.to_string()).collect())
                .collect()
        }

        /// The text of a zip entry, `None` when absent.
        pub(crate) fn entry(&self, name: &str) -> Option<String> {
            let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes.as_slice())).ok()?;
            let mut file = zip.by_name(name).ok()?;
            let mut out = String::new();
            file.read_to_string(&mut out).ok()?;
            Some(out)
        }
    }

    /// Zero-based (row, col) of an A1 reference.
    pub(crate) fn a1_pos(a1: &str) -> (u32, u32) {
        let pos = crate::grid::Pos::parse_a1(a1).expect("A1 reference");
        (pos.row, pos.col)
    }

    #[test]
    fn the_fixture_is_consistent() {
        let form = sample_form();
        assert_eq!(form.indicators.len(), 5);
        assert_eq!(sample_findings()[0].severity, Severity::Error);
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = vec!["核查意见".to_string()];
        assert_eq!(unique_sheet_name("Sheet1", &mut used), "Sheet1");
        assert_eq!(unique_sheet_name("sheet1", &mut used), "sheet1 (2)");
        assert_eq!(unique_sheet_name("核查意见", &mut used), "核查意见 (2)");
        assert_eq!(unique_sheet_name("a/b:c[d]*?\\", &mut used), "a_b_c_d____");
        assert_eq!(unique_sheet_name("  ''  ", &mut used), "自评表");
        assert_eq!(unique_sheet_name("History", &mut used), "History (2)");
        let long = "项".repeat(40);
        let first = unique_sheet_name(&long, &mut used);
        let second = unique_sheet_name(&long, &mut used);
        assert_eq!(first.encode_utf16().count(), 31);
        assert!(second.ends_with(" (2)"));
        assert!(second.encode_utf16().count() <= 31);
        for name in &used {
            assert!(rust_xlsxwriter::utility::check_sheet_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn widths_count_cjk_double() {
        assert_eq!(display_width("总分"), 4);
        assert_eq!(cell_text(&"字".repeat(40_000)).chars().count(), 32_767);
        assert_eq!(cell_text("总分"), "总分");
        assert_eq!(display_width("A1"), 2);
        assert_eq!(display_width("项目\n资金（元）"), 10);
        assert_eq!(wrapped_lines("产出指标", 10.0), 1);
        assert_eq!(wrapped_lines("产出指标产出指标", 10.0), 2);
        assert_eq!(wrapped_lines("a\nb", 10.0), 2);
    }

    #[test]
    fn sheet_refs_quote_apostrophes() {
        assert_eq!(sheet_ref("O'Neil", 6, 7), "'O''Neil'!H7");
    }
}
