//! The corrected workbook `fix` writes for each input workbook: every form redrawn in the
//! standard template of its layout (corrections highlighted, each with a note giving the
//! original value and the rule), followed by a `核查意见` sheet that lists the findings so the
//! filer sees what was checked without the summary of the whole run.

use rust_xlsxwriter::{Format, FormatAlign, Worksheet};

use super::template::{self, Drawn};
use super::{
    Column, CorrectedForm, Item, RenderError, base_format, finding_items, landscape, new_workbook, sheet_ref,
    unique_sheet_name, write_list,
};

/// Name of the findings sheet.
pub(crate) const FINDINGS_SHEET: &str = "核查意见";

/// Columns of the findings sheet.
const COLUMNS: &[Column] = &[
    Column {
        header: "工作表",
        max_width: 24,
    },
    Column {
        header: "原表单元格",
        max_width: 12,
    },
    Column {
        header: "代码",
        max_width: 32,
    },
    Column {
        header: "严重程度",
        max_width: 10,
    },
    Column {
        header: "对象",
        max_width: 36,
    },
    Column {
        header: "原值",
        max_width: 20,
    },
    Column {
        header: "应为",
        max_width: 20,
    },
    Column {
        header: "已更正",
        max_width: 8,
    },
    Column {
        header: "说明",
        max_width: 70,
    },
];

pub(crate) fn corrected(forms: &[CorrectedForm<'_>]) -> Result<Vec<u8>, RenderError> {
    let mut workbook = new_workbook()?;
    let mut used = vec![FINDINGS_SHEET.to_string()];
    let mut drawn: Vec<(String, Drawn)> = Vec::with_capacity(forms.len());
    for form in forms {
        let name = unique_sheet_name(&form.form.sheet, &mut used);
        let ws = workbook.add_worksheet();
        ws.set_name(&name)?;
        let placed = template::draw(ws, form.form).map_err(RenderError::in_sheet(&name))?;
        drawn.push((name, placed));
    }
    let ws = workbook.add_worksheet();
    ws.set_name(FINDINGS_SHEET)?;
    findings_sheet(ws, forms, &drawn).map_err(RenderError::in_sheet(FINDINGS_SHEET))?;
    Ok(workbook.save_to_buffer()?)
}

/// One row per finding, in form order; the sheet name links to the cell the finding concerns
/// in the redrawn form.
fn findings_sheet(
    ws: &mut Worksheet,
    forms: &[CorrectedForm<'_>],
    drawn: &[(String, Drawn)],
) -> Result<(), RenderError> {
    let mut rows = Vec::new();
    for (form, (sheet, placed)) in forms.iter().zip(drawn) {
        for f in form.findings {
            let (row, col) = placed.cell_of(&f.cell).unwrap_or((0, 0));
            let mut items = vec![Item::Link {
                url: format!("internal:{}", sheet_ref(sheet, row, col)),
                text: sheet.clone(),
            }];
            items.extend(finding_items(f));
            rows.push(items);
        }
    }
    landscape(ws);
    if rows.is_empty() {
        write_list(ws, 0, COLUMNS, &[], false)?;
        let note: Format = base_format()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let last = super::col(COLUMNS.len() - 1)?;
        ws.merge_range(1, 0, 1, last, "未发现问题", &note)?;
        ws.set_row_height(1, 24)?;
        return Ok(());
    }
    write_list(ws, 0, COLUMNS, &rows, true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use calamine::Data;

    use super::super::tests::{Book, sample_findings, sample_form};
    use super::*;
    use crate::render::corrected_workbook;

    fn render_sample() -> Vec<u8> {
        let form = sample_form();
        let findings = sample_findings();
        corrected_workbook(&[CorrectedForm {
            form: &form,
            findings: &findings,
        }])
        .expect("renders")
    }

    #[test]
    fn one_sheet_per_form_then_the_findings() {
        let form = sample_form();
        let findings = sample_findings();
        let forms = [
            CorrectedForm {
                form: &form,
                findings: &findings,
            },
            CorrectedForm {
                form: &form,
                findings: &[],
            },
        ];
        let book = Book::open(&corrected_workbook(&forms).expect("renders"));
        assert_eq!(book.names, ["定额公用经费", "定额公用经费 (2)", "核查意见"]);
    }

    #[test]
    fn values_land_in_the_template_cells() {
        let book = Book::open(&render_sample());
        let s = "定额公用经费";
        assert_eq!(book.text(s, "A1"), "项目支出绩效目标自评表");
        assert_eq!(book.text(s, "A2"), "（2024年度）");
        assert_eq!(book.text(s, "A3"), "单位（盖章）：");
        assert_eq!(book.text(s, "G3"), "填报日期：20250211");
        assert_eq!(book.text(s, "C4"), "定额公用经费");
        assert_eq!(book.text(s, "B7"), "年度资金总额");
        assert_eq!(book.at(s, "E7"), Data::Float(200000.0));
        assert_eq!(book.at(s, "F7"), Data::Float(196876.3));
        assert_eq!(book.text(s, "G8"), "-");
        assert_eq!(book.text(s, "D16"), "水电通讯等保障");
        assert_eq!(book.text(s, "E16"), "≥9次");
        assert_eq!(book.text(s, "F20"), "31876.3元");
        assert_eq!(book.text(s, "A21"), "总分");
        assert_eq!(book.at(s, "G21"), Data::Float(100.0));
        assert!(book.text(s, "B22").starts_with("优。"));
        assert_eq!(book.text(s, "A23"), "联系人：何娟");
    }

    #[test]
    fn merges_follow_the_form() {
        let book = Book::open(&render_sample());
        let s = "定额公用经费";
        assert!(book.merged(s, "A1:J1"));
        assert!(book.merged(s, "A6:A11"), "项目资金 over the funds block");
        assert!(book.merged(s, "I7:J7"), "预算执行率 得分");
        assert!(book.merged(s, "B16:B20"), "一级指标 over its rows");
        assert!(book.merged(s, "C16:C18"), "数量指标 over its rows");
        assert!(book.merged(s, "I16:I18"), "one input reason cell over three rows");
        assert!(
            !book.merged(s, "I19:I20"),
            "separate empty reason cells stay apart"
        );
        assert!(book.merged(s, "B22:J22"), "自评结论");
        assert!(book.text(s, "I16").starts_with("偏差原因"));
    }

    #[test]
    fn derived_figures_are_formulas_with_the_forms_values_cached() {
        let book = Book::open(&render_sample());
        let s = "定额公用经费";
        assert_eq!(book.formula(s, "H7"), "IF(E7>0,ROUND(F7/E7*100,2),0)");
        assert_eq!(book.at(s, "H7"), Data::Float(98.44));
        assert_eq!(book.formula(s, "I7"), "ROUND(G7*MIN(F7/E7,1),2)");
        assert_eq!(book.at(s, "I7"), Data::Float(9.84));
        assert_eq!(book.formula(s, "H21"), "SUM(H16:H20)+I7");
        assert_eq!(book.at(s, "H21"), Data::Float(33.84));
    }

    #[test]
    fn a_blank_or_text_figure_is_written_as_is() {
        let mut form = sample_form();
        form.funds.score.value = crate::grid::Value::Empty;
        form.total.value = crate::grid::Value::Text("九十九".into());
        let bytes = corrected_workbook(&[CorrectedForm {
            form: &form,
            findings: &[],
        }])
        .expect("renders");
        let book = Book::open(&bytes);
        let s = "定额公用经费";
        assert_eq!(book.formula(s, "I7"), "");
        assert_eq!(book.at(s, "I7"), Data::Empty);
        assert_eq!(book.formula(s, "H21"), "");
        assert_eq!(book.text(s, "H21"), "九十九");
    }

    #[test]
    fn corrected_cells_carry_a_note_with_the_original() {
        let book = Book::open(&render_sample());
        assert_eq!(book.at("定额公用经费", "H20"), Data::Float(4.0));
        let comments = book.entry("xl/comments1.xml").expect("notes written");
        assert!(comments.contains("原值：98.43"), "{comments}");
        assert!(comments.contains("更正为：98.44"));
        assert!(comments.contains("依据：execution-rate-mismatch 执行率有误"));
        assert!(comments.contains("原值：3"));
        assert!(comments.contains("<author>jixiao</author>"));
        let styles = book.entry("xl/styles.xml").expect("styles");
        assert!(styles.contains("FFFFE699"), "highlight fill");
        assert!(styles.contains("宋体"));
    }

    #[test]
    fn the_findings_sheet_lists_every_finding() {
        let book = Book::open(&render_sample());
        let rows = book.rows(FINDINGS_SHEET);
        assert_eq!(
            rows[0],
            [
                "工作表",
                "原表单元格",
                "代码",
                "严重程度",
                "对象",
                "原值",
                "应为",
                "已更正",
                "说明"
            ]
        );
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1][0], "定额公用经费");
        assert_eq!(rows[1][1], "H7");
        assert_eq!(rows[1][2], "execution-rate-mismatch");
        assert_eq!(rows[1][3], "错误");
        assert_eq!(rows[1][5], "98.43");
        assert_eq!(rows[1][6], "98.44");
        assert_eq!(rows[1][7], "是");
        assert_eq!(rows[3][3], "提示");
        assert_eq!(rows[3][7], "否");
        let sheet = book.entry("xl/worksheets/sheet2.xml").expect("sheet");
        assert!(sheet.contains("<autoFilter ref=\"A1:I4\""), "{sheet}");
        assert!(sheet.contains("state=\"frozen\""));
        assert!(
            sheet.contains("location=\"'定额公用经费'!H7\""),
            "links to the cell"
        );
    }

    #[test]
    fn a_corrected_grade_word_and_contact_line_are_annotated_too() {
        use crate::form::Change;
        use crate::grid::Value;
        use crate::rules::Code;
        let mut form = sample_form();
        form.conclusion.change = Some(Change {
            original: Value::Text("良。自评为良的理由".into()),
            code: Code::GradeMismatch,
            percent: false,
        });
        form.contact.change = Some(Change {
            original: Value::Empty,
            code: Code::MissingField,
            percent: false,
        });
        let bytes = corrected_workbook(&[CorrectedForm {
            form: &form,
            findings: &[],
        }])
        .expect("renders");
        let comments = Book::open(&bytes)
            .entry("xl/comments1.xml")
            .expect("notes written");
        assert!(comments.contains("原值：良。自评为良的理由"), "{comments}");
        assert!(comments.contains("依据：grade-mismatch 自评等级有误"));
        assert!(comments.contains("原值：（空）"));
    }

    #[test]
    fn no_findings_says_so() {
        let form = sample_form();
        let bytes = corrected_workbook(&[CorrectedForm {
            form: &form,
            findings: &[],
        }])
        .expect("renders");
        let book = Book::open(&bytes);
        assert_eq!(book.text(FINDINGS_SHEET, "A2"), "未发现问题");
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        assert_eq!(render_sample(), render_sample());
    }

    #[test]
    fn a_national_form_in_wan_yuan_uses_its_rows_and_headers() {
        let mut form = sample_form();
        form.layout = crate::form::Layout::National;
        form.funds.unit = crate::form::MoneyUnit::WanYuan;
        form.funds
            .lines
            .retain(|l| matches!(l.row, crate::form::FundRow::Total | crate::form::FundRow::Fiscal));
        let bytes = corrected_workbook(&[CorrectedForm {
            form: &form,
            findings: &[],
        }])
        .expect("renders");
        let book = Book::open(&bytes);
        let s = "定额公用经费";
        assert_eq!(book.text(s, "A6"), "项目资金\n（万元）");
        assert_eq!(book.text(s, "B8"), "其中：当年财政拨款");
        assert_eq!(book.text(s, "B9"), "上年结转资金");
        assert_eq!(book.text(s, "B10"), "其他资金");
        // Four funds rows: the indicator header moves up one row.
        assert_eq!(book.text(s, "I14"), "偏差原因分析及改进措施");
    }
}
