//! Rule tests on forms built by hand: for every code a case that triggers it and a near miss
//! that must not, plus properties (a form correct by construction has no error; `fix` is
//! idempotent).
//!
//! Why one file of ~900 lines: every code's case and near miss, in the order of the code table,
//! over one set of form builders; split by family, the builders would be shared across files
//! anyway.

// Tests build their cases with plain arithmetic on small literals.
#![allow(clippy::arithmetic_side_effects)]

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::form::{Field, Form, FundCol, FundLine, FundRow, Indicator};
use crate::grid::Pos;

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

fn num(row: u32, col: u32, v: &str) -> Field {
    Field::at(Pos::new(row, col), Value::Number(d(v)))
}

/// A fund line on sheet row `r` (0-based): 年初预算数 0, 全年预算数 `a`, 全年执行数 `b`.
fn line(row: FundRow, r: u32, label: &str, a: &str, b: &str) -> FundLine {
    let mut l = FundLine::new(row);
    l.label = label.into();
    l.initial = num(r, 3, "0");
    l.budget = num(r, 4, a);
    l.executed = num(r, 5, b);
    l
}

fn text(row: u32, col: u32, v: &str) -> Field {
    Field::at(Pos::new(row, col), Value::Text(v.into()))
}

/// One indicator row: (一级, 二级, 三级, target, actual, 分值, 得分).
type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

/// The seed's 定额公用经费, laid out like the seed (row 7 funds total, indicators from 16).
fn seed() -> Form {
    let rows: [Row; 13] = [
        (
            "产出指标(50分)",
            "数量指标",
            "水电通讯等保障",
            "≥9次",
            "9次",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "数量指标",
            "工作调研等",
            "≥30次",
            "35次",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "数量指标",
            "办公用品等保障",
            "≥6批次",
            "8批次",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "质量指标",
            "办公用品等",
            "强效益",
            "达成预期指标",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "质量指标",
            "水电通讯等",
            "保运转",
            "达成预期指标",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "质量指标",
            "调研工作",
            "促发展",
            "达成预期指标",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "时效指标",
            "完成时限",
            "2024年12月31日前",
            "达成预期指标",
            "5",
            "5",
        ),
        (
            "产出指标(50分)",
            "成本指标",
            "办公用品等支出",
            "≤60000元",
            "60000元",
            "4",
            "4",
        ),
        (
            "产出指标(50分)",
            "成本指标",
            "水电通讯等支出",
            "≤35000元",
            "31876.3元",
            "4",
            "4",
        ),
        (
            "产出指标(50分)",
            "成本指标",
            "调研工作支出",
            "≤105000元",
            "105000元",
            "4",
            "4",
        ),
        (
            "产出指标(50分)",
            "成本指标",
            "项目或定额成本控制率",
            "＝100%",
            "100%",
            "3",
            "3",
        ),
        (
            "效益指标(30分)",
            "社会效益指标",
            "党建工作",
            "持续推进",
            "达成预期指标",
            "30",
            "30",
        ),
        (
            "满意度指标(10分)",
            "满意度指标",
            "满意度",
            "≥90%",
            "90%",
            "10",
            "10",
        ),
    ];
    let indicators = rows
        .iter()
        .enumerate()
        .map(|(i, (l1, l2, name, target, actual, weight, score))| {
            let r = 15 + i as u32;
            Indicator {
                level1: (*l1).into(),
                level2: (*l2).into(),
                name: text(r, 3, name),
                target: text(r, 4, target),
                actual: text(r, 5, actual),
                weight: num(r, 6, weight),
                score: num(r, 7, score),
                // The seed's reason cell is merged over the 数量指标 rows.
                reason: if i < 3 {
                    text(15, 8, "偏差原因：新组建部门，测算值偏小。")
                } else {
                    Field::at(Pos::new(r, 8), Value::Empty)
                },
                remark: Field::at(Pos::new(r, 9), Value::Empty),
                sub_row: false,
                template: false,
                subtotal: false,
                funds_row: false,
                ..Indicator::default()
            }
        })
        .collect();
    let mut form = Form {
        sheet: "定额公用经费".into(),
        project: text(3, 2, "定额公用经费"),
        formats_known: true,
        ..Form::default()
    };
    form.funds.lines = vec![
        line(FundRow::Total, 6, "年度资金总额：", "200000", "196876.3"),
        line(FundRow::Fiscal, 7, "财政拨款：", "200000", "196876.3"),
        line(FundRow::Local, 8, "本级安排：", "200000", "196876.3"),
        line(FundRow::Superior, 9, "其中：上级补助：", "0", "0"),
        line(FundRow::Other, 10, "其他：", "0", "0"),
    ];
    form.funds.points = num(6, 6, "10");
    form.funds.rate = num(6, 7, "98.44");
    form.funds.score = num(6, 8, "9.84");
    form.indicators = indicators;
    form.total_points = num(28, 6, "100");
    form.total = num(28, 7, "99.84");
    form.conclusion = text(29, 1, "优。自评为优的理由：一是……");
    form
}

/// Set 全年执行数 on the rows that carry it (年度资金总额, 财政拨款, 本级安排).
fn set_executed(form: &mut Form, v: &str) {
    for line in &mut form.funds.lines {
        if matches!(line.row, FundRow::Total | FundRow::Fiscal | FundRow::Local) {
            set(&mut line.executed, v);
        }
    }
}

fn run(form: &Form) -> Checked {
    check(form, &Settings::default())
}

fn codes(checked: &Checked) -> Vec<(&'static str, String)> {
    checked
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.cell.clone()))
        .collect()
}

fn only(form: &Form) -> Finding {
    let checked = run(form);
    assert_eq!(
        checked.findings.len(),
        1,
        "exactly one finding: {:#?}",
        checked.findings
    );
    checked.findings[0].clone()
}

fn set(field: &mut Field, v: &str) {
    field.value = match v.parse::<Decimal>() {
        Ok(n) => Value::Number(n),
        Err(_) if v.is_empty() => Value::Empty,
        Err(_) => Value::Text(v.into()),
    };
}

#[test]
fn the_seed_form_has_no_finding() {
    let checked = run(&seed());
    assert!(checked.findings.is_empty(), "{:#?}", checked.findings);
    assert_eq!(checked.figures.execution_rate, Some(d("98.44")));
    assert_eq!(checked.figures.total, Some(d("99.84")));
    assert_eq!(checked.figures.grade.as_deref(), Some("优"));
}

#[test]
fn execution_rate_typed_as_a_fraction_or_blank() {
    let mut form = seed();
    set(&mut form.funds.rate, "0.9844");
    let f = only(&form);
    assert_eq!(
        (f.code, f.cell.as_str(), f.expected.as_str()),
        (Code::ExecutionRateMismatch, "H7", "98.44")
    );
    // The same fraction shown with a percent format means 98.44 %.
    form.funds.rate.percent = true;
    assert!(run(&form).findings.is_empty());
    // A wrong one is described as it shows, with the value the cell holds.
    set(&mut form.funds.rate, "0.894892272727273");
    form.funds.rate.percent = true;
    let f = only(&form);
    assert!(
        f.message
            .ends_with("表中显示为 89.49%（单元格值 0.894892272727273）"),
        "{}",
        f.message
    );
    let mut form = seed();
    set(&mut form.funds.rate, "");
    let f = only(&form);
    assert_eq!(
        (f.reported.as_str(), f.expected.as_str(), f.fixed),
        ("", "98.44", true)
    );
    let mut form = seed();
    set(&mut form.funds.rate, "98.44%");
    assert!(run(&form).findings.is_empty(), "98.44% text is the same rate");
}

#[test]
fn fractions_where_the_file_does_not_tell_formats() {
    // An .xls: 0.9844 may be 98.44 % shown with a percent format; it matches B / A, so it is.
    let mut form = seed();
    form.formats_known = false;
    set(&mut form.funds.rate, "0.9844");
    set(&mut form.indicators[12].actual, "0.9");
    assert!(run(&form).findings.is_empty(), "{:#?}", run(&form).findings);
    // A fraction that matches nothing is still wrong, and reported as written.
    set(&mut form.funds.rate, "0.97");
    let f = only(&form);
    assert_eq!(
        (f.code, f.reported.as_str(), f.expected.as_str()),
        (Code::ExecutionRateMismatch, "0.97", "98.44")
    );
}

#[test]
fn execution_score_accepts_either_rounding_path() {
    // B / A = 0.98445 → 9.8445 → 9.84 unrounded; rate 98.45 → 9.845 → 9.85 via the rate.
    let mut form = seed();
    set_executed(&mut form, "196890");
    set(&mut form.funds.rate, "98.45");
    set(&mut form.funds.score, "9.85");
    set(&mut form.total, "99.85");
    assert!(run(&form).findings.is_empty(), "{:#?}", run(&form).findings);
    set(&mut form.funds.score, "9.84");
    set(&mut form.total, "99.84");
    assert!(run(&form).findings.is_empty());
    set(&mut form.funds.score, "9");
    let checked = run(&form);
    assert_eq!(checked.findings[0].code, Code::ExecutionScoreMismatch);
    assert_eq!(
        checked.findings[0].expected, "9.84",
        "corrected to the unrounded path"
    );
}

#[test]
fn execution_score_round_number() {
    let mut form = seed();
    set(&mut form.funds.score, "9");
    set(&mut form.total, "99");
    let checked = run(&form);
    assert_eq!(
        codes(&checked),
        [
            ("execution-score-mismatch", "I7".to_string()),
            ("total-score-mismatch", "H29".to_string())
        ]
    );
    assert_eq!(checked.findings[1].expected, "99.84");
}

#[test]
fn overspend_caps_the_score_at_the_weight() {
    let mut form = seed();
    set_executed(&mut form, "210000");
    set(&mut form.funds.rate, "105");
    set(&mut form.funds.score, "10");
    set(&mut form.total, "100");
    let checked = run(&form);
    let got: Vec<&str> = checked.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(got, ["overspend"], "{:#?}", checked.findings);
    assert_eq!(checked.findings[0].severity, Severity::Warning);
    assert_eq!(checked.findings[0].subject, "funds.total.executed");
}

#[test]
fn fund_breakdown() {
    let mut form = seed();
    set(
        &mut form.funds.line_mut(FundRow::Other).expect("other").budget,
        "1000",
    );
    let f = only(&form);
    assert_eq!(
        (f.code, f.subject.as_str()),
        (Code::FundBreakdownMismatch, "funds.total.budget")
    );
    assert_eq!(
        (f.reported.as_str(), f.expected.as_str(), f.fixed),
        ("200000", "201000", false)
    );

    // 上级补助 within 本级安排 is one accepted reading; above it, neither holds.
    let mut form = seed();
    set(
        &mut form.funds.line_mut(FundRow::Superior).expect("sup").budget,
        "50000",
    );
    assert!(run(&form).findings.is_empty(), "{:#?}", run(&form).findings);
    set(
        &mut form.funds.line_mut(FundRow::Local).expect("local").budget,
        "100000",
    );
    let f = only(&form);
    assert_eq!(f.subject, "funds.fiscal.budget");

    // A 0 total whose parts are filled is corrected to their sum; rate and score follow.
    let mut form = seed();
    for col in FundCol::ALL {
        set(
            form.funds.line_mut(FundRow::Total).expect("total").get_mut(col),
            "0",
        );
    }
    set(&mut form.funds.rate, "0");
    set(&mut form.funds.score, "0");
    set(&mut form.total, "90");
    let checked = run(&form);
    let got: Vec<(&str, &str)> = checked
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("fund-breakdown-mismatch", "funds.total.budget"),
            ("fund-breakdown-mismatch", "funds.total.executed"),
            ("execution-rate-mismatch", "funds.total.rate"),
            ("execution-score-mismatch", "funds.total.score"),
            ("total-score-mismatch", "total"),
        ]
    );
    assert_eq!(checked.figures.total, Some(d("99.84")));
}

#[test]
fn quantitative_scores() {
    use crate::grammar::Comparator::*;
    let e = |c, t: &str, b: &str| {
        rules_round(
            indicators::expected_score(c, d(t), d(b), d("10"), settings::ReverseScoring::Linear)
                .unwrap()
                .value,
        )
    };
    assert_eq!(e(Ge, "9", "9"), d("10"));
    assert_eq!(e(Ge, "9", "6"), d("6.67"));
    assert_eq!(e(Le, "100", "100"), d("10"));
    assert_eq!(e(Le, "100", "150"), d("5"));
    assert_eq!(e(Le, "100", "200"), d("0"));
    assert_eq!(e(Eq, "36", "40"), d("10"));
    assert_eq!(e(Eq, "36", "18"), d("5"));
    assert_eq!(e(Ge, "90", "-5"), d("0"));
    assert_eq!(e(Le, "0", "0"), d("10"));
    assert_eq!(e(Le, "0", "1"), d("0"));
}

fn rules_round(x: Decimal) -> Decimal {
    crate::num::round2(x)
}

#[test]
fn indicator_score_mismatch_and_units() {
    let mut form = seed();
    set(&mut form.indicators[12].actual, "88%");
    set(&mut form.indicators[12].score, "10");
    set(&mut form.total, "99.62");
    let checked = run(&form);
    // 88 % against ≥90 % is unmet (a deviation needing a reason) and scores 10 × 88 ÷ 90.
    assert_eq!(
        codes(&checked),
        [
            ("deviation-without-reason", "F28".to_string()),
            ("indicator-score-mismatch", "H28".to_string())
        ]
    );
    let f = &checked.findings[1];
    assert_eq!(
        (f.code, f.expected.as_str()),
        (Code::IndicatorScoreMismatch, "9.78")
    );
    assert!(f.message.contains("10 × 88 ÷ 90 = 9.78"), "{}", f.message);
    // 万元 against 元 converts.
    let mut form = seed();
    set(&mut form.indicators[8].actual, "3.18763万元");
    assert!(run(&form).findings.is_empty(), "{:#?}", run(&form).findings);
    // 次 against 元 does not.
    set(&mut form.indicators[8].actual, "3次");
    assert_eq!(only(&form).code, Code::UnparseableValue);
}

#[test]
fn qualitative_bands() {
    let mut form = seed();
    set(&mut form.indicators[3].actual, "部分达成");
    set(&mut form.indicators[3].score, "5");
    set(&mut form.indicators[3].reason, "原因：采购延后。");
    let checked = run(&form);
    let f = &checked.findings[0];
    assert_eq!(
        (f.code, f.expected.as_str(), f.fixed),
        (Code::QualitativeScoreOutOfBand, "4", true)
    );
    // At the band's edge (80 % of 5 = 4) is inside.
    set(&mut form.indicators[3].score, "4");
    set(&mut form.total, "98.84");
    assert!(run(&form).findings.is_empty(), "{:#?}", run(&form).findings);
    // 未达成 without a reason is a deviation too.
    set(&mut form.indicators[3].actual, "未达成");
    set(&mut form.indicators[3].score, "3");
    set(&mut form.indicators[3].reason, "");
    set(&mut form.total, "97.84");
    let f = only(&form);
    assert_eq!(f.code, Code::DeviationWithoutReason);
}

#[test]
fn score_out_of_range_for_an_unknown_outcome() {
    let mut form = seed();
    set(&mut form.indicators[11].actual, "成效明显");
    set(&mut form.indicators[11].score, "31");
    set(&mut form.total, "100.84");
    let checked = run(&form);
    assert_eq!(checked.findings[0].code, Code::ScoreOutOfRange);
    assert_eq!(checked.findings[0].expected, "30");
}

#[test]
fn deviation_threshold_is_inclusive() {
    let mut form = seed();
    // 工作调研等 ≥30次: 38.997 is 29.99 % over, 39 is 30 %.
    set(&mut form.indicators[1].actual, "38.997次");
    assert!(run(&form).findings.is_empty());
    set(&mut form.indicators[1].actual, "39次");
    // The 数量指标 reason covers the row: no finding.
    assert!(run(&form).findings.is_empty());
    set(&mut form.indicators[1].reason, "");
    let f = only(&form);
    assert_eq!((f.code, f.cell.as_str()), (Code::DeviationWithoutReason, "F17"));
    // A remark counts as a reason.
    set(&mut form.indicators[1].remark, "新增调研任务");
    assert!(run(&form).findings.is_empty());
    // ≤ targets: 30 % under is a deviation.
    let mut form = seed();
    set(&mut form.indicators[9].actual, "73500元");
    set(&mut form.indicators[9].reason, "");
    assert_eq!(only(&form).code, Code::DeviationWithoutReason);
    set(&mut form.indicators[9].actual, "73501元");
    assert!(run(&form).findings.is_empty());
}

#[test]
fn weights() {
    let mut form = seed();
    set(&mut form.indicators[0].weight, "6");
    set(&mut form.indicators[0].score, "6");
    set(&mut form.total, "100.84");
    let checked = run(&form);
    let got: Vec<(&str, &str)> = checked
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("weight-sum-mismatch", "weights:产出指标"),
            ("weight-sum-mismatch", "weights:total")
        ]
    );
    // Labels without points: a nonstandard split is only a warning.
    let mut form = seed();
    for ind in &mut form.indicators {
        ind.level1 = ind.level1.split('(').next().unwrap_or_default().to_string();
    }
    set(&mut form.indicators[0].weight, "6");
    set(&mut form.indicators[0].score, "6");
    set(&mut form.indicators[11].weight, "29");
    set(&mut form.indicators[11].score, "29");
    let checked = run(&form);
    let got: Vec<&str> = checked.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        got,
        ["weight-nonstandard", "weight-nonstandard"],
        "{:#?}",
        checked.findings
    );
}

#[test]
fn grade_follows_the_corrected_total() {
    let mut form = seed();
    set(&mut form.conclusion, "良。自评为良的理由：……");
    let f = only(&form);
    assert_eq!(
        (f.code, f.reported.as_str(), f.expected.as_str()),
        (Code::GradeMismatch, "良", "优")
    );
    let checked = run(&form);
    assert_eq!(checked.corrected.conclusion.text(), "优。自评为优的理由：……");
    // 89.99 is 良, 90 is 优.
    let mut form = seed();
    set(&mut form.indicators[11].score, "20.15");
    set(&mut form.total, "89.99");
    set(&mut form.indicators[11].actual, "部分达成");
    set(&mut form.indicators[11].reason, "原因");
    let checked = run(&form);
    assert!(
        checked
            .findings
            .iter()
            .any(|f| f.code == Code::GradeMismatch && f.expected == "良"),
        "{:#?}",
        checked.findings
    );
}

#[test]
fn missing_fields() {
    let mut form = seed();
    set(&mut form.indicators[0].target, "");
    set(&mut form.project, "");
    let checked = run(&form);
    let got: Vec<&str> = checked.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(got, ["missing-field", "missing-field"]);
    // A blank 分值 is reported once, not again as a weight sum that is 5 short.
    let mut form = seed();
    set(&mut form.indicators[1].weight, "");
    let f = only(&form);
    assert_eq!((f.code, f.cell.as_str()), (Code::MissingField, "G17"));
    // A blank derived figure is not missing: it is its mismatch, filled by fix.
    let mut form = seed();
    set(&mut form.indicators[0].score, "");
    let f = only(&form);
    assert_eq!(
        (f.code, f.reported.as_str(), f.expected.as_str()),
        (Code::IndicatorScoreMismatch, "", "5")
    );
}

#[test]
fn cost_exceeds_execution_leaves_out_per_unit_costs() {
    let mut form = seed();
    set(&mut form.indicators[9].actual, "140000元");
    set(&mut form.indicators[9].target, "≤140000元");
    let f = only(&form);
    assert_eq!(
        (f.code, f.reported.as_str(), f.expected.as_str()),
        (Code::CostExceedsExecution, "231876.3", "196876.3")
    );
    form.indicators[9].name = text(24, 3, "人均调研支出");
    assert!(run(&form).findings.is_empty());
}

#[test]
fn severity_settings() {
    let mut form = seed();
    set(&mut form.conclusion, "良。");
    let mut settings = Settings::default();
    settings.set_severity("grade-mismatch", "off").expect("valid");
    assert!(check(&form, &settings).findings.is_empty());
    settings.set_severity("grade-mismatch", "warning").expect("valid");
    assert_eq!(check(&form, &settings).findings[0].severity, Severity::Warning);
    assert!(settings.set_severity("no-such-code", "error").is_err());
    assert!(
        settings.set_severity("unreadable-file", "off").is_err(),
        "a file status is not a setting"
    );
    assert!(settings.set_severity("grade-mismatch", "fatal").is_err());
}

#[test]
fn a_code_turned_off_neither_reports_nor_corrects() {
    let mut form = seed();
    set(&mut form.funds.rate, "98.43");
    let mut settings = Settings::default();
    settings
        .set_severity("execution-rate-mismatch", "off")
        .expect("valid");
    let checked = check(&form, &settings);
    assert!(checked.findings.is_empty());
    assert_eq!(
        checked.corrected.funds.rate, form.funds.rate,
        "left as the filer wrote it"
    );
}

#[test]
fn a_bare_cost_takes_its_targets_unit() {
    let mut form = seed();
    set(&mut form.indicators[9].target, "≤140000元");
    set(&mut form.indicators[9].actual, "140000");
    assert_eq!(only(&form).code, Code::CostExceedsExecution);
}

#[test]
fn an_actual_that_restates_a_qualitative_target_is_met() {
    // Restated (docs/rules.md, "Forms as people fill them"): met, so a full score is right and
    // a score below the 达成 band is out of band.
    let mut form = seed();
    set(&mut form.indicators[3].actual, "强效益");
    assert_eq!(codes(&run(&form)), vec![]);
    set(&mut form.indicators[3].score, "1");
    assert!(codes(&run(&form)).contains(&("qualitative-score-out-of-band", "H19".to_string())));
    // Other free text against a qualitative target is unclassified: no band check, no finding…
    let mut form = seed();
    set(&mut form.indicators[3].actual, "群众反映良好");
    set(&mut form.indicators[3].score, "1");
    assert_eq!(
        codes(&run(&form)).len(),
        1,
        "only the total follows: {:?}",
        codes(&run(&form))
    );
    assert_eq!(run(&form).findings[0].code, Code::TotalScoreMismatch);
    // …but a score above its 分值 is still out of range.
    let mut form = seed();
    set(&mut form.indicators[3].actual, "群众反映良好");
    let points = form.indicators[3].weight.text();
    set(&mut form.indicators[3].score, "99");
    let f = run(&form)
        .findings
        .into_iter()
        .find(|f| f.code == Code::ScoreOutOfRange)
        .expect("out of range");
    assert_eq!(f.expected, points);
    // An actual that repeats a quantitative target with its comparator is no quantity.
    let mut form = seed();
    set(&mut form.indicators[0].actual, "≥9次");
    assert_eq!(only(&form).code, Code::UnparseableValue);
}

#[test]
fn a_score_from_the_rounded_rate_is_marked_for_the_formula() {
    let mut form = seed();
    set_executed(&mut form, "196890");
    set(&mut form.funds.rate, "98.45");
    set(&mut form.funds.score, "9.85");
    set(&mut form.total, "99.85");
    assert!(run(&form).corrected.funds.score_via_rate);
    set(&mut form.funds.score, "9.84");
    set(&mut form.total, "99.84");
    assert!(!run(&form).corrected.funds.score_via_rate);
}

#[test]
fn a_sub_row_is_not_counted_twice() {
    let mut form = seed();
    // 其中：水电费 repeats part of 水电通讯等支出's 分值 and 得分.
    let mut sub = form.indicators[8].clone();
    sub.name = text(40, 3, "其中：水电费");
    sub.sub_row = true;
    set(&mut sub.target, "≤20000元");
    set(&mut sub.actual, "18000元");
    set(&mut sub.weight, "2");
    set(&mut sub.score, "2");
    form.indicators.insert(9, sub);
    let checked = run(&form);
    assert!(checked.findings.is_empty(), "{:#?}", checked.findings);
    assert_eq!(checked.figures.total, Some(d("99.84")));
}

#[test]
fn national_layout_breakdown() {
    let mut form = seed();
    form.layout = crate::form::Layout::National;
    form.funds.lines = vec![
        line(FundRow::Total, 6, "年度资金总额", "200000", "196876.3"),
        line(FundRow::Fiscal, 7, "其中：当年财政拨款", "150000", "150000"),
        line(FundRow::Carryover, 8, "上年结转资金", "50000", "46876.3"),
        line(FundRow::Other, 9, "其他资金", "0", "0"),
    ];
    assert!(run(&form).findings.is_empty(), "{:#?}", run(&form).findings);
    set(&mut form.funds.lines[2].executed, "40000");
    let f = only(&form);
    assert_eq!(
        (f.code, f.subject.as_str(), f.expected.as_str()),
        (Code::FundBreakdownMismatch, "funds.total.executed", "190000")
    );
    assert!(
        f.message
            .contains("当年财政拨款 150,000.00 + 上年结转资金 40,000.00 + 其他资金 0.00 = 190,000.00"),
        "{}",
        f.message
    );
}

proptest! {
    /// A form whose derived figures are filled in correctly for arbitrary amounts and actuals
    /// has no error finding, and `fix` leaves a corrected form unchanged.
    #[test]
    fn correct_by_construction_and_fix_idempotent(
        budget in 1u64..10_000_000u64,
        spent_permille in 0u64..1_200u64,
        visits in 0u32..60,
        cost in 0u32..200_000,
    ) {
        let mut form = seed();
        let a = Decimal::from(budget) / Decimal::ONE_HUNDRED;
        let b = crate::num::round2(a * Decimal::from(spent_permille) / Decimal::from(1000));
        for line in &mut form.funds.lines {
            if matches!(line.row, FundRow::Total | FundRow::Fiscal | FundRow::Local) {
                line.budget.value = Value::Number(a);
                line.executed.value = Value::Number(b);
            }
        }
        set(&mut form.indicators[1].actual, &format!("{visits}次"));
        set(&mut form.indicators[8].actual, &format!("{cost}元"));
        // Let fix fill in every derived figure, then check the result.
        set(&mut form.funds.rate, "");
        set(&mut form.funds.score, "");
        set(&mut form.indicators[1].score, "");
        set(&mut form.indicators[8].score, "");
        set(&mut form.total, "");
        let first = run(&form);
        let second = run(&first.corrected);
        prop_assert!(second.findings.iter().all(|f| f.severity != Severity::Error), "{:#?}", second.findings);
        prop_assert!(second.findings.iter().all(|f| !f.fixed), "nothing left to fix: {:#?}", second.findings);
        let third = run(&second.corrected);
        prop_assert_eq!(&third.corrected, &second.corrected);
        prop_assert_eq!(first.figures.total, second.figures.total);
    }
}

#[test]
fn a_qualitative_score_above_its_points_is_out_of_range_not_out_of_band() {
    // docs/rules.md `score-out-of-range`: a banded score outside [0, 分值] is out of range, and
    // `fix` moves it to the nearest edge of its band.
    let mut form = seed();
    let points = form.indicators[3].weight.text();
    set(&mut form.indicators[3].actual, "达成预期指标");
    set(&mut form.indicators[3].score, "99");
    let found: Vec<Finding> = run(&form)
        .findings
        .into_iter()
        .filter(|f| f.cell == "H19")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].code, found[0].expected.as_str()),
        (Code::ScoreOutOfRange, points.as_str())
    );
    // 部分达成 above 分值 goes to 80 % of it.
    set(&mut form.indicators[3].actual, "部分达成");
    set(&mut form.indicators[3].reason, "受疫情影响");
    let found: Vec<Finding> = run(&form)
        .findings
        .into_iter()
        .filter(|f| f.cell == "H19")
        .collect();
    let w: Decimal = points.parse().expect("points");
    assert_eq!(found[0].code, Code::ScoreOutOfRange);
    assert_eq!(found[0].expected, crate::num::fmt_plain(w * d("0.8")));
}

#[test]
fn stated_nonstandard_points_are_flagged_beside_a_sum_mismatch() {
    // `产出指标(60分)` whose rows add up to 50: nonstandard (60 ≠ 50) and a sum mismatch (50 ≠ 60).
    let mut form = seed();
    for ind in form
        .indicators
        .iter_mut()
        .filter(|i| i.level1.starts_with("产出"))
    {
        ind.level1 = "产出指标(60分)".into();
    }
    let codes: Vec<Code> = run(&form)
        .findings
        .iter()
        .filter(|f| f.subject == "weights:产出指标")
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, vec![Code::WeightSumMismatch, Code::WeightNonstandard]);
}

#[test]
fn a_late_month_deadline_is_unmet_and_needs_a_reason() {
    let mut form = seed();
    form.year = text(1, 0, "（2024年度）");
    set(&mut form.indicators[3].target, "6月底前");
    set(&mut form.indicators[3].actual, "8月");
    let points: Decimal = form.indicators[3].weight.text().parse().expect("points");
    set(
        &mut form.indicators[3].score,
        &crate::num::fmt_plain(points * d("0.5")),
    );
    let found = run(&form);
    assert!(
        found
            .findings
            .iter()
            .any(|f| f.code == Code::DeviationWithoutReason && f.cell == "F19"),
        "{:#?}",
        found.findings
    );
    // On time: met, and a full score is right.
    let mut form = seed();
    form.year = text(1, 0, "（2024年度）");
    set(&mut form.indicators[3].target, "9月前");
    set(&mut form.indicators[3].actual, "7月");
    assert_eq!(codes(&run(&form)), vec![]);
}
