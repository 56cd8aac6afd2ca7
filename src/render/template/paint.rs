//! The painter: a form drawn into a worksheet in the standard template — labels, merges, values,
//! live formulas for the derived figures, corrections highlighted and annotated, row heights and
//! page setup — recording where each input cell's value landed ([`Drawn`]).

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, Formula, Note, Worksheet};

use super::fields::{Out, Read, change_note, labelled, percent_format, resolve, year_line};
use super::geometry::{
    Area, COL_BLOCK, COLUMN_WIDTHS, LAST_COL, Plan, TITLE, at, funds_col, ind_col, indicator_headers, span,
    text_height, width_of,
};
use super::styles::{HIGHLIGHT, Kind, style};
use crate::figure;
use crate::form::{Field, Form, FundCol, FundLine, FundRow, Indicator};
use crate::grid::Pos;
use crate::num;
use crate::render::{self, RenderError, base_format, cell_text, to_f64};

/// Where an input cell's value landed in the drawn form (for links from the findings list).
#[derive(Debug, Clone, Default)]
pub(crate) struct Drawn {
    pub placed: Vec<(Pos, u32, u16)>,
}

impl Drawn {
    /// The output cell showing the input cell `a1` (e.g. `H7`), if any field came from it.
    pub fn cell_of(&self, a1: &str) -> Option<(u32, u16)> {
        self.placed
            .iter()
            .find(|(pos, _, _)| pos.to_string() == a1)
            .map(|(_, r, c)| (*r, *c))
    }
}

/// Draw `form` into `ws` in the standard template of its layout: labels, merges, values,
/// live formulas for the derived figures, highlighted and annotated corrections, row heights
/// and page setup.
pub(crate) fn draw(ws: &mut Worksheet, form: &Form) -> Result<Drawn, RenderError> {
    let plan = Plan::for_form(form);
    let mut p = Painter {
        ws,
        placed: Vec::new(),
    };
    for (c, width) in COLUMN_WIDTHS.iter().enumerate() {
        p.ws.set_column_width(render::col(c)?, *width)?;
    }
    p.header(form)?;
    p.funds(form, &plan)?;
    p.goals(form, &plan)?;
    p.indicators(form, &plan)?;
    p.closing(form, &plan)?;
    page_setup(p.ws, &plan)?;
    Ok(Drawn { placed: p.placed })
}

fn page_setup(ws: &mut Worksheet, plan: &Plan) -> Result<(), RenderError> {
    ws.set_portrait()
        .set_paper_size(render::PAPER_A4)
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_area(0, 0, plan.contact(), LAST_COL)?;
    Ok(())
}

struct Painter<'w> {
    ws: &'w mut Worksheet,
    placed: Vec<(Pos, u32, u16)>,
}

impl Painter<'_> {
    /// A static label over `area`.
    fn label(&mut self, area: Area, text: &str, kind: Kind) -> Result<(), RenderError> {
        self.label_with(area, text, style(kind, false))
    }

    fn label_with(&mut self, area: Area, text: &str, fmt: &Format) -> Result<(), RenderError> {
        let text = cell_text(text);
        if area.top == area.bottom && area.left == area.right {
            self.ws.write_string_with_format(area.top, area.left, text, fmt)?;
        } else {
            self.ws
                .merge_range(area.top, area.left, area.bottom, area.right, &text, fmt)?;
        }
        Ok(())
    }

    /// A field's value over `area`, as a live formula with the field's value cached when
    /// `formula` is given and the value is a number; highlighted and annotated when `fix`
    /// changed it.
    fn field(
        &mut self,
        area: Area,
        field: &Field,
        kind: Kind,
        read: Read,
        formula: Option<String>,
    ) -> Result<(), RenderError> {
        let note = change_note(field, read);
        let base = style(kind, note.is_some());
        let out = resolve(field, read)?;
        let variant = match out {
            Out::Number(_, true) => Some(base.clone().set_num_format(percent_format(&out))),
            Out::Date(_) => Some(base.clone().set_num_format("yyyy\"年\"m\"月\"d\"日\"")),
            _ => None,
        };
        let fmt = variant.as_ref().unwrap_or(base);
        if area.top != area.bottom || area.left != area.right {
            self.ws
                .merge_range(area.top, area.left, area.bottom, area.right, "", fmt)?;
        }
        let (row, col) = (area.top, area.left);
        match out {
            Out::Blank => {
                self.ws.write_blank(row, col, fmt)?;
            }
            Out::Number(d, _) => match formula {
                Some(f) => {
                    let formula = Formula::new(f).set_result(num::fmt_plain(d));
                    self.ws.write_formula_with_format(row, col, formula, fmt)?;
                }
                None => {
                    self.ws.write_number_with_format(row, col, to_f64(d)?, fmt)?;
                }
            },
            Out::Text(s) => {
                self.ws.write_string_with_format(row, col, cell_text(&s), fmt)?;
            }
            Out::Bool(b) => {
                self.ws.write_boolean_with_format(row, col, b, fmt)?;
            }
            Out::Date(d) => {
                self.ws.write_datetime_with_format(row, col, &d, fmt)?;
            }
        }
        if let Some(text) = note {
            self.note(row, col, text)?;
        }
        if let Some(pos) = field.pos {
            self.placed.push((pos, row, col));
        }
        Ok(())
    }

    /// A line outside the table composed from one field (`联系人：何娟`); highlighted and
    /// annotated like any field if `fix` changed it.
    fn line(&mut self, area: Area, text: &str, field: &Field, fmt: Format) -> Result<(), RenderError> {
        let note = change_note(field, Read::AsWritten);
        let fmt = if note.is_some() {
            fmt.set_background_color(HIGHLIGHT)
        } else {
            fmt
        };
        self.label_with(area, text, &fmt)?;
        if let Some(text) = note {
            self.note(area.top, area.left, text)?;
        }
        if let Some(pos) = field.pos {
            self.placed.push((pos, area.top, area.left));
        }
        Ok(())
    }

    fn note(&mut self, row: u32, col: u16, text: String) -> Result<(), RenderError> {
        let note = Note::new(text)
            .set_author(render::NOTE_AUTHOR)
            .add_author_prefix(false)
            .set_font_name(render::FONT)
            .set_width(320)
            .set_height(90);
        self.ws.insert_note(row, col, &note)?;
        Ok(())
    }

    /// A field as the filer wrote it.
    fn text(&mut self, area: Area, field: &Field, kind: Kind) -> Result<(), RenderError> {
        self.field(area, field, kind, Read::AsWritten, None)
    }

    /// A figure without a formula (number text becomes a number).
    fn figure(&mut self, area: Area, field: &Field, kind: Kind) -> Result<(), RenderError> {
        self.field(area, field, kind, Read::Figure, None)
    }

    fn header(&mut self, form: &Form) -> Result<(), RenderError> {
        let title = base_format()
            .set_font_size(18)
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        self.label_with(span(Plan::TITLE, 0, Plan::TITLE, LAST_COL), TITLE, &title)?;
        let year = base_format()
            .set_font_size(12)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let line = year_line(&form.year);
        self.line(span(Plan::YEAR, 0, Plan::YEAR, LAST_COL), &line, &form.year, year)?;
        let plain = base_format()
            .set_align(FormatAlign::VerticalCenter)
            .set_align(FormatAlign::Left);
        let unit = labelled("单位（盖章）：", &form.unit_name);
        let right = plain.clone().set_align(FormatAlign::Right);
        self.line(span(Plan::UNIT, 0, Plan::UNIT, 5), &unit, &form.unit_name, plain)?;
        let date = labelled("填报日期：", &form.date);
        self.line(
            span(Plan::UNIT, 6, Plan::UNIT, LAST_COL),
            &date,
            &form.date,
            right,
        )?;
        self.ws.set_row_height(Plan::TITLE, 32)?;
        self.ws.set_row_height(Plan::YEAR, 20)?;
        self.ws.set_row_height(Plan::UNIT, 20)?;

        let r = Plan::PROJECT;
        self.label(span(r, 0, r, 1), "项目名称", Kind::Label)?;
        self.text(span(r, 2, r, LAST_COL), &form.project, Kind::Left)?;
        let h = text_height(&form.project.as_text(), width_of(2, LAST_COL)).max(22.0);
        self.ws.set_row_height(r, h)?;

        let r = Plan::DEPARTMENT;
        self.label(span(r, 0, r, 1), "主管部门及代码", Kind::Label)?;
        self.text(span(r, 2, r, 4), &form.department, Kind::Left)?;
        self.label(span(r, 5, r, 6), "实施单位", Kind::Label)?;
        self.text(span(r, 7, r, LAST_COL), &form.implementer, Kind::Left)?;
        let h = text_height(&form.department.as_text(), width_of(2, 4))
            .max(text_height(&form.implementer.as_text(), width_of(7, LAST_COL)))
            .max(22.0);
        self.ws.set_row_height(r, h)?;
        Ok(())
    }

    fn funds(&mut self, form: &Form, plan: &Plan) -> Result<(), RenderError> {
        use funds_col::*;
        let h = Plan::FUNDS_HEADER;
        let unit_label = format!("项目资金\n（{}）", form.funds.unit.label());
        self.label(
            span(h, COL_BLOCK, plan.funds_last(), COL_BLOCK),
            &unit_label,
            Kind::Label,
        )?;
        self.label(span(h, LABEL.0, h, LABEL.1), "资金来源", Kind::Label)?;
        self.label(at(h, INITIAL), FundCol::Initial.label(), Kind::Label)?;
        self.label(at(h, BUDGET), FundCol::Budget.label(), Kind::Label)?;
        self.label(at(h, EXECUTED), FundCol::Executed.label(), Kind::Label)?;
        self.label(at(h, POINTS), "分值", Kind::Label)?;
        self.label(at(h, RATE), "执行率", Kind::Label)?;
        self.label(span(h, SCORE.0, h, SCORE.1), "得分", Kind::Label)?;
        self.ws.set_row_height(h, 30)?;

        let empty = FundLine::new(FundRow::Total);
        let total = form.funds.line(FundRow::Total).unwrap_or(&empty);
        let (e, f, g) = (
            crate::grid::col_name(u32::from(BUDGET)),
            crate::grid::col_name(u32::from(EXECUTED)),
            crate::grid::col_name(u32::from(POINTS)),
        );
        for (i, row) in plan.fund_rows.iter().enumerate() {
            let r = plan.fund_row(i);
            let indent = match row {
                FundRow::Total => 0,
                FundRow::Local | FundRow::Superior => 2,
                _ => 1,
            };
            let label_fmt = style(Kind::Left, false).clone().set_indent(indent);
            self.label_with(span(r, LABEL.0, r, LABEL.1), row.label(plan.layout), &label_fmt)?;
            let blank = FundLine::new(*row);
            let line = form.funds.line(*row).unwrap_or(&blank);
            self.figure(at(r, INITIAL), &line.initial, Kind::Amount)?;
            self.figure(at(r, BUDGET), &line.budget, Kind::Amount)?;
            self.figure(at(r, EXECUTED), &line.executed, Kind::Amount)?;
            if *row == FundRow::Total {
                let n = r + 1;
                let budget = figure_of(&total.budget);
                let executed = figure_of(&total.executed);
                let points = figure_of(&form.funds.points);
                let rate = (budget.is_some() && executed.is_some())
                    .then(|| format!("IF({e}{n}>0,ROUND({f}{n}/{e}{n}*100,2),0)"));
                let score =
                    (budget.is_some_and(|b| b > Decimal::ZERO) && executed.is_some() && points.is_some())
                        .then(|| {
                            // A score the filer derived from the rounded rate was accepted as
                            // such: its formula follows the same path, so it recalculates to it.
                            if form.funds.score_via_rate {
                                let h = crate::grid::col_name(u32::from(RATE));
                                format!("ROUND({g}{n}*MIN({h}{n}/100,1),2)")
                            } else {
                                format!("ROUND({g}{n}*MIN({f}{n}/{e}{n},1),2)")
                            }
                        });
                self.figure(at(r, POINTS), &form.funds.points, Kind::Center)?;
                self.field(at(r, RATE), &form.funds.rate, Kind::Fixed, Read::Rate, rate)?;
                self.field(
                    span(r, SCORE.0, r, SCORE.1),
                    &form.funds.score,
                    Kind::Fixed,
                    Read::Figure,
                    score,
                )?;
            } else {
                self.label(at(r, POINTS), "-", Kind::Label)?;
                self.label(at(r, RATE), "-", Kind::Label)?;
                self.label(span(r, SCORE.0, r, SCORE.1), "-", Kind::Label)?;
            }
            self.ws.set_row_height(r, 20)?;
        }
        Ok(())
    }

    fn goals(&mut self, form: &Form, plan: &Plan) -> Result<(), RenderError> {
        let r = plan.goals();
        self.label(
            span(r, COL_BLOCK, r + 2, COL_BLOCK),
            "年度\n总体\n目标",
            Kind::Label,
        )?;
        self.label(span(r, 1, r, 5), "预期目标", Kind::Label)?;
        self.label(span(r, 6, r, LAST_COL), "实际完成情况", Kind::Label)?;
        self.text(span(r + 1, 1, r + 2, 5), &form.goal_expected, Kind::Block)?;
        self.text(span(r + 1, 6, r + 2, LAST_COL), &form.goal_actual, Kind::Block)?;
        let need = text_height(&form.goal_expected.as_text(), width_of(1, 5))
            .max(text_height(&form.goal_actual.as_text(), width_of(6, LAST_COL)))
            .max(80.0);
        self.ws.set_row_height(r, 20)?;
        self.ws.set_row_height(r + 1, need / 2.0)?;
        self.ws.set_row_height(r + 2, need / 2.0)?;
        Ok(())
    }

    fn indicators(&mut self, form: &Form, plan: &Plan) -> Result<(), RenderError> {
        use ind_col::*;
        let h = plan.indicators_header();
        let last = plan.total() - 1;
        self.label(span(h, COL_BLOCK, last, COL_BLOCK), "绩\n效\n指\n标", Kind::Label)?;
        for (i, text) in indicator_headers(plan.layout).iter().enumerate() {
            self.label(at(h, LEVEL1 + i as u16), text, Kind::Label)?;
        }
        self.ws.set_row_height(h, 30)?;

        let inds = &form.indicators;
        let mut heights: Vec<f64> = vec![24.0; plan.indicator_rows as usize];
        for (i, ind) in inds.iter().enumerate() {
            let r = plan.indicator_row(i);
            self.text(at(r, NAME), &ind.name, Kind::Left)?;
            self.text(at(r, TARGET), &ind.target, Kind::Center)?;
            self.text(at(r, ACTUAL), &ind.actual, Kind::Center)?;
            self.figure(at(r, WEIGHT), &ind.weight, Kind::Center)?;
            self.figure(at(r, SCORE), &ind.score, Kind::Center)?;
            self.text(at(r, REMARK), &ind.remark, Kind::Left)?;
            let need = [
                (ind.name.text(), NAME),
                (ind.target.text(), TARGET),
                (ind.actual.text(), ACTUAL),
                (ind.remark.text(), REMARK),
            ]
            .iter()
            .map(|(t, c)| text_height(t, width_of(*c, *c)))
            .fold(0.0, f64::max);
            heights[i] = heights[i].max(need);
        }
        if inds.is_empty() {
            // An empty body row keeps the block's frame.
            let r = plan.indicator_row(0);
            for c in LEVEL1..=REMARK {
                self.label(at(r, c), "", Kind::Center)?;
            }
        }

        // 一级 merged over runs of equal text, 二级 over runs inside them, the reason over
        // runs that came from one input cell.
        let mut groups = Vec::new();
        for (a, b) in runs(inds, |x, y| x.level1 == y.level1) {
            groups.push((LEVEL1, a, b, inds[a].level1.clone()));
            for (c, d) in runs(&inds[a..=b], |x, y| x.level2 == y.level2) {
                groups.push((LEVEL2, a + c, a + d, inds[a + c].level2.clone()));
            }
        }
        for (col, a, b, text) in &groups {
            let area = span(plan.indicator_row(*a), *col, plan.indicator_row(*b), *col);
            self.label(area, text, Kind::Label)?;
            grow(&mut heights[*a..=*b], text_height(text, width_of(*col, *col)));
        }
        let same_reason = |x: &Indicator, y: &Indicator| {
            x.reason.pos.is_some() && x.reason.pos == y.reason.pos && x.reason.text() == y.reason.text()
        };
        for (a, b) in runs(inds, same_reason) {
            let area = span(plan.indicator_row(a), REASON, plan.indicator_row(b), REASON);
            let reason = &inds[a].reason;
            self.text(area, reason, Kind::Left)?;
            grow(
                &mut heights[a..=b],
                text_height(&reason.as_text(), width_of(REASON, REASON)),
            );
            if let Some(pos) = reason.pos {
                // The rows below share the input cell; record them too for links.
                for i in a + 1..=b {
                    self.placed.push((pos, plan.indicator_row(i), REASON));
                }
            }
        }
        for (i, height) in heights.iter().enumerate() {
            self.ws.set_row_height(plan.indicator_row(i), *height)?;
        }
        Ok(())
    }

    fn closing(&mut self, form: &Form, plan: &Plan) -> Result<(), RenderError> {
        use ind_col::*;
        let r = plan.total();
        self.label(span(r, COL_BLOCK, r, ACTUAL), "总分", Kind::Label)?;
        self.figure(at(r, WEIGHT), &form.total_points, Kind::Center)?;
        let formula = total_formula(form, plan);
        self.field(at(r, SCORE), &form.total, Kind::Fixed, Read::Figure, formula)?;
        self.grade(span(r, REASON, r, REMARK), form, at(r, SCORE))?;
        self.ws.set_row_height(r, 24)?;

        let r = plan.conclusion();
        self.label(at(r, COL_BLOCK), "自评\n结论", Kind::Label)?;
        self.text(span(r, 1, r, LAST_COL), &form.conclusion, Kind::Block)?;
        let need = text_height(&form.conclusion.as_text(), width_of(1, LAST_COL)).max(80.0);
        self.ws.set_row_height(r, need)?;

        let r = plan.contact();
        let plain = base_format()
            .set_align(FormatAlign::VerticalCenter)
            .set_align(FormatAlign::Left);
        let contact = labelled("联系人：", &form.contact);
        self.line(span(r, 0, r, LAST_COL), &contact, &form.contact, plain)?;
        self.ws.set_row_height(r, 22)?;
        Ok(())
    }
}

impl Painter<'_> {
    /// The grade that follows from 总分, as a live formula beside it (`等级：优`), on a
    /// corrected form whose total is a number; an empty cell otherwise.
    fn grade(&mut self, area: Area, form: &Form, total: Area) -> Result<(), RenderError> {
        let (Some([excellent, good, fair]), Some(value)) = (form.grade_bands, figure_of(&form.total)) else {
            return self.label(area, "", Kind::Label);
        };
        let cell = format!(
            "{}{}",
            crate::grid::col_name(u32::from(total.left)),
            total.top + 1
        );
        let (e, g, f) = (
            num::fmt_plain(excellent),
            num::fmt_plain(good),
            num::fmt_plain(fair),
        );
        let grade = if value >= excellent {
            "优"
        } else if value >= good {
            "良"
        } else if value >= fair {
            "中"
        } else {
            "差"
        };
        let formula = Formula::new(format!(
            r#""等级："&IF({cell}>={e},"优",IF({cell}>={g},"良",IF({cell}>={f},"中","差")))"#
        ))
        .set_result(format!("等级：{grade}"));
        let fmt = style(Kind::Label, false);
        self.ws
            .merge_range(area.top, area.left, area.bottom, area.right, "", fmt)?;
        self.ws
            .write_formula_with_format(area.top, area.left, formula, fmt)?;
        Ok(())
    }
}

/// `SUM(<indicator scores>)+<预算执行率 得分>` for the 总分 cell, `None` when the total is not a
/// number (it is then written as the filer wrote it). `其中` sub-rows are left out: their
/// scores are part of the row above.
pub(super) fn total_formula(form: &Form, plan: &Plan) -> Option<String> {
    figure_of(&form.total)?;
    let col = crate::grid::col_name(u32::from(ind_col::SCORE));
    let mut ranges = Vec::new();
    let mut i = 0;
    let inds = &form.indicators;
    while i < inds.len() {
        if inds[i].sub_row {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < inds.len() && !inds[i + 1].sub_row {
            i += 1;
        }
        let (a, b) = (plan.indicator_row(start) + 1, plan.indicator_row(i) + 1);
        ranges.push(if a == b {
            format!("{col}{a}")
        } else {
            format!("{col}{a}:{col}{b}")
        });
        i += 1;
    }
    let sum = if ranges.is_empty() {
        "0".to_string()
    } else {
        format!("SUM({})", ranges.join(","))
    };
    if figure_of(&form.funds.score).is_some() {
        let score = crate::grid::col_name(u32::from(funds_col::SCORE.0));
        Some(format!("{sum}+{score}{}", plan.total_fund_row() + 1))
    } else {
        Some(sum)
    }
}

/// A field read as a plain number (numeric cell or number text), for formula decisions.
fn figure_of(field: &Field) -> Option<Decimal> {
    figure::read(field).number()
}

/// Runs of consecutive items equal under `same`, as inclusive index pairs.
fn runs<T>(items: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        while end + 1 < items.len() && same(&items[start], &items[end + 1]) {
            end += 1;
        }
        out.push((start, end));
        start = end + 1;
    }
    out
}

/// Raise the rows of a merged area evenly so together they reach `need` points.
fn grow(heights: &mut [f64], need: f64) {
    let have: f64 = heights.iter().sum();
    if need > have && !heights.is_empty() {
        let extra = (need - have) / heights.len() as f64;
        for h in heights.iter_mut() {
            *h += extra;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Layout;
    use crate::grid::Value;
    use crate::render::template::blank_form;

    #[test]
    fn runs_group_equal_neighbours() {
        assert_eq!(runs(&[1, 1, 2, 1], |a, b| a == b), [(0, 1), (2, 2), (3, 3)]);
        assert!(runs(&[] as &[u8], |a, b| a == b).is_empty());
    }

    #[test]
    fn sub_rows_are_left_out_of_the_total() {
        let mut form = blank_form(Layout::Guizhou);
        form.total.value = Value::Number(Decimal::ONE_HUNDRED);
        form.funds.score.value = Value::Number(Decimal::TEN);
        form.indicators[2].sub_row = true;
        let plan = Plan::for_form(&form);
        assert_eq!(
            total_formula(&form, &plan).as_deref(),
            Some("SUM(H16:H17,H19:H24)+I7")
        );
    }
}
