//! Tests of the locator: labels to fields, header meaning, rows that are no indicators, and
//! arbitrary grids that must never panic.

use super::header::{Class, Role, Table, classify, classify_label, is_page_line, role_of, stated_points};
use super::*;
use crate::form::Column;
use crate::text::norm;
use funds::fund_row_of;

#[test]
fn fund_rows_by_label() {
    assert_eq!(fund_row_of("其中:当年财政拨款"), Some(FundRow::Fiscal));
    assert_eq!(fund_row_of("其中:上级补助"), Some(FundRow::Superior));
    assert_eq!(fund_row_of("上年结转资金"), Some(FundRow::Carryover));
    assert_eq!(fund_row_of("其他资金"), Some(FundRow::Other));
    assert_eq!(fund_row_of("年度资金总额"), Some(FundRow::Total));
}

use proptest::prelude::*;

use crate::grid::{Cell, Region};

/// Labels and values a form is made of, so random grids often look like forms.
const WORDS: &[&str] = &[
    "项目支出绩效目标自评表",
    "项目名称",
    "主管部门及代码",
    "实施单位",
    "项目资金（元）",
    "年初预算数",
    "全年预算数（A）",
    "全年执行数（B）",
    "分值",
    "执行率",
    "得分",
    "年度资金总额",
    "财政拨款",
    "本级安排",
    "其中：上级补助",
    "上年结转资金",
    "其他",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "未完成原因分析",
    "备注",
    "产出指标(50分)",
    "数量指标",
    "成本指标",
    "≥9次",
    "≤60000元",
    "＝100%",
    "达成预期指标",
    "部分达成",
    "2024年12月31日前",
    "总分",
    "自评结论",
    "优。",
    "联系人：",
    "-",
    "/",
    "其中：",
    "98.44%",
    "196,876.30",
];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Empty),
        proptest::sample::select(WORDS).prop_map(|w| Value::Text(w.to_string())),
        (-1_000_000i64..1_000_000i64, 0u32..4)
            .prop_map(|(m, e)| Value::Number(rust_decimal::Decimal::new(m, e))),
        ".{0,12}".prop_map(Value::Text),
    ]
}

fn text_grid(rows: &[&[&str]]) -> Grid {
    let cells = rows.iter().enumerate().flat_map(|(r, row)| {
        row.iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(move |(c, t)| {
                (
                    r as u32,
                    c as u32,
                    Cell {
                        value: Value::Text(t.to_string()),
                        percent: false,
                    },
                )
            })
    });
    Grid::from_cells("s", cells, Vec::new())
}

#[test]
fn a_sentence_that_mentions_the_form_does_not_start_another() {
    let grid = text_grid(&[
        &["项目支出绩效目标自评表"],
        &["项目名称", "定额公用经费"],
        &["三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        &["水电通讯等保障", "≥9次", "9次", "5", "5"],
        &["总分", "", "", "5", "5"],
        &[
            "自评结论",
            "优。本自评表所填数据真实准确，各项指标均已按计划完成，特此说明并请审核。",
        ],
        &["联系人：何娟"],
    ]);
    let forms = locate(&grid).forms;
    assert_eq!(forms.len(), 1);
    assert!(forms[0].conclusion.text().starts_with("优。本自评表"));
    assert_eq!(forms[0].contact.text(), "何娟");
    assert_eq!(forms[0].indicators.len(), 1);
}

fn check(grid: &Grid) -> (Form, Vec<(String, String)>) {
    let mut forms = locate(grid).forms;
    assert_eq!(forms.len(), 1, "one form");
    let form = forms.remove(0);
    let checked = crate::rules::check(&form, &crate::rules::Settings::default());
    // Findings, and the reading notes at the end (their order apart from the rest).
    let (notes, rest): (Vec<_>, Vec<_>) = checked.findings.iter().partition(|f| f.code.is_reading_note());
    let findings = rest
        .into_iter()
        .chain(notes)
        .map(|f| (f.code.as_str().to_string(), f.subject.clone()))
        .collect();
    (form, findings)
}

/// A small form: funds in 元 with a 20-point 预算执行率 stated in the score header and no
/// 分值 column; the indicator header repeated after a page break; a numbered subtotal row.
fn unseen_template() -> Grid {
    text_grid(&[
        &["项目支出绩效自评表"],
        &["项目名称", "课题研究经费"],
        &[
            "项目资金（元）",
            "年初预算数（A）",
            "全年执行数（B）",
            "执行率（B/A）",
            "得分（20分*执行率）",
        ],
        &["年度资金总额", "100000", "90000", "90%", "18"],
        &[
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "得分计算方法",
            "偏差原因分析及改进措施",
        ],
        &["一、产出指标（50分）", "", "", "", "", "50", "50", "", ""],
        &[
            "",
            "数量指标",
            "课题数",
            "≥2个",
            "2个",
            "25",
            "25",
            "完成即得分",
            "",
        ],
        &[
            "",
            "质量指标",
            "验收通过率",
            "≥90%",
            "100%",
            "25",
            "25",
            "按比例",
            "",
        ],
        &["续表"],
        &[
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "得分计算方法",
            "偏差原因分析及改进措施",
        ],
        &[
            "效益指标（30分）",
            "社会效益指标",
            "成果采纳",
            "≥1项",
            "1项",
            "30",
            "30",
            "完成即得分",
            "",
        ],
        &["总分", "", "", "", "", "100", "98"],
        &["自评结论", "优"],
    ])
}

#[test]
fn an_unseen_template_reads_what_it_states_and_notes_what_it_does_not() {
    let (form, findings) = check(&unseen_template());
    // `年初预算数（A）` is the budget; the score header states 20 points.
    assert_eq!(
        form.funds.line(FundRow::Total).map(|l| l.budget.text()),
        Some("100000".into())
    );
    assert_eq!(
        form.funds.stated_points.as_ref().map(|s| s.points),
        Some(rust_decimal::Decimal::from(20))
    );
    // Three indicators: the numbered subtotal and the repeated header are no rows of it.
    let counted: Vec<String> = form
        .indicators
        .iter()
        .filter(|i| i.counts())
        .map(|i| i.name.text())
        .collect();
    assert_eq!(counted, ["课题数", "验收通过率", "成果采纳"]);
    assert!(form.indicators.iter().any(|i| i.subtotal));
    // 得分计算方法 is not 得分: noted once, the real 得分 column read.
    assert_eq!(form.reading.unrecognised.len(), 1);
    assert_eq!(form.reading.unrecognised[0].label, "得分计算方法");
    assert!(
        !form.reading.absent.contains(&Column::Reason),
        "{:?}",
        form.reading.absent
    );
    // 90 % of 20 points is 18; 20 points is nonstandard; 50 + 30 + 20 = 100.
    let codes: Vec<&str> = findings.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes,
        ["weight-nonstandard", "column-unrecognised"],
        "{findings:?}"
    );
    assert!(findings.contains(&("weight-nonstandard".into(), "weights:预算执行率".into())));
}

#[test]
fn a_missing_points_column_is_one_note_not_a_row_of_errors() {
    let grid = text_grid(&[
        &["项目支出绩效自评表"],
        &["项目名称", "课题研究经费"],
        &["三级指标", "年度指标值", "实际完成值", "得分", "未完成原因分析"],
        &["课题数", "≥2个", "1个", "10", ""],
        &["验收通过率", "≥90%", "100%", "10", ""],
        &["总分", "", "", "21"],
    ]);
    let (form, findings) = check(&grid);
    assert!(
        form.reading.absent.contains(&Column::Weight),
        "{:?}",
        form.reading.absent
    );
    // No per-row missing-field; the unmet 课题数 still lacks a reason; 总分 is still the
    // sum of the 得分 cells (20, not 21).
    assert_eq!(
        findings,
        [
            (
                "deviation-without-reason".to_string(),
                "indicator:/课题数".to_string()
            ),
            ("total-score-mismatch".to_string(), "total".to_string()),
            ("column-absent".to_string(), "column:一级指标".to_string()),
            ("column-absent".to_string(), "column:二级指标".to_string()),
            ("column-absent".to_string(), "column:分值".to_string()),
        ]
    );
}

#[test]
fn a_reason_block_below_the_table_explains_every_deviation() {
    let rows: &[&[&str]] = &[
        &["项目支出绩效自评表"],
        &["项目名称", "课题研究经费"],
        &["三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        &["课题数", "≥2个", "1个", "10", "5"],
        &["总分", "", "", "10", "5"],
        &["偏差大或目标未完成原因分析", "课题立项推迟到次年。"],
    ];
    let (form, findings) = check(&text_grid(rows));
    assert_eq!(
        form.reason_block.as_ref().map(Field::text),
        Some("课题立项推迟到次年。".into())
    );
    assert!(
        findings.iter().all(|(c, _)| c != "deviation-without-reason"),
        "{findings:?}"
    );
    assert!(!form.reading.absent.contains(&Column::Reason));
    // Without the block, and without any reason or 备注 column, reasons cannot be read.
    let (form, findings) = check(&text_grid(&rows[..5]));
    assert!(
        form.reading.absent.contains(&Column::Reason),
        "{:?}",
        form.reading.absent
    );
    assert!(
        findings.iter().all(|(c, _)| c != "deviation-without-reason"),
        "{findings:?}"
    );
}

#[test]
fn numbered_rows_that_are_indicators_stay_indicators() {
    let grid = text_grid(&[
        &["项目支出绩效自评表"],
        &["项目名称", "课题研究经费"],
        &[
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "未完成原因分析",
        ],
        &["1.课题数", "≥2个", "2个", "50", "50", ""],
        &["2.验收通过率", "≥90%", "100%", "50", "50", ""],
        &["总分", "", "", "100", "100"],
    ]);
    let (form, findings) = check(&grid);
    assert_eq!(form.indicators.iter().filter(|i| i.counts()).count(), 2);
    assert!(findings.iter().all(|(c, _)| c == "column-absent"), "{findings:?}");
}

#[test]
fn costs_are_compared_only_under_a_unit_that_fits_when_none_is_stated() {
    let form = |cost: &str| {
        text_grid(&[
            &["项目支出绩效自评表"],
            &["项目名称", "课题研究经费"],
            &[
                "",
                "年初预算数",
                "全年预算数（A）",
                "全年执行数（B）",
                "分值",
                "执行率",
                "得分",
            ],
            &["年度资金总额", "20", "20", "19", "10", "95", "9.5"],
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ],
            &[
                "产出指标",
                "成本指标",
                "设备购置",
                "≤12万元",
                "12万元",
                "45",
                "45",
                "",
            ],
            &["产出指标", "成本指标", "劳务费", cost, cost, "45", "45", ""],
            &["总分", "", "", "", "", "100", "99.5"],
        ])
    };
    let codes = |grid: Grid| check(&grid).1.into_iter().map(|(c, _)| c).collect::<Vec<_>>();
    // 12 + 8 = 20 万元 against 19: the amounts fit only as 万元, and exceed it.
    assert!(codes(form("8万元")).contains(&"cost-exceeds-execution".to_string()));
    // 12万元 + 8000元 = 12.8万元 ≤ 19: nothing, whichever way.
    assert!(!codes(form("8000元")).contains(&"cost-exceeds-execution".to_string()));
    // 12万 + 9000万元: no unit makes 9000.12 of the order of 19, so no comparison at all.
    assert!(!codes(form("9000万元")).contains(&"cost-exceeds-execution".to_string()));
}

proptest! {
    /// Any grid — label soup, merges overlapping or out of bounds — goes through locate and
    /// the rulebook without a panic.
    #[test]
    fn arbitrary_grids_never_panic(
        cells in proptest::collection::vec((0u32..40, 0u32..12, value(), any::<bool>()), 0..300),
        merges in proptest::collection::vec((0u32..45, 0u32..14, 0u32..8, 0u32..4), 0..30),
    ) {
        let cells = cells.into_iter().map(|(r, c, value, percent)| (r, c, Cell { value, percent }));
        let merges = merges
            .into_iter()
            .map(|(top, left, h, w)| Region { top, left, bottom: top + h, right: left + w })
            .collect();
        let grid = Grid::from_cells("s", cells, merges);
        for form in locate(&grid).forms {
            let checked = crate::rules::check(&form, &crate::rules::Settings::default());
            let _ = crate::rules::check(&checked.corrected, &crate::rules::Settings::default());
        }
    }
}

// --- header meaning -------------------------------------------------------------------

fn role(label: &str, table: Table) -> Option<Role> {
    role_of(&norm(label), table)
}

#[test]
fn headers_by_meaning() {
    use Role::*;
    use Table::*;
    assert_eq!(role("全年预算数（A）", Funds), Some(Budget));
    assert_eq!(role("年初预算数（A）", Funds), Some(Budget));
    assert_eq!(role("年初预算数", Funds), Some(Initial));
    assert_eq!(role("全年执行数（B）", Funds), Some(Executed));
    assert_eq!(role("执行率（B/A）", Funds), Some(Rate));
    assert_eq!(role("得分（20分*执行率）", Funds), Some(Score));
    assert_eq!(role("预算执行率得分", Funds), Some(Score));
    assert_eq!(role("分值（10分）", Funds), Some(Points));
    assert_eq!(role("（A）", Funds), Some(Budget));
    assert_eq!(role("执行数说明", Funds), None);
    assert_eq!(role("得分", Indicators), Some(Score));
    assert_eq!(role("得分计算方法", Indicators), None);
    assert_eq!(role("评分标准", Indicators), None);
    assert_eq!(role("指标值说明", Indicators), None);
    assert_eq!(role("实际完成值数据来源", Indicators), None);
    assert_eq!(role("偏差原因分析及改进措施", Indicators), Some(Reason));
    assert_eq!(role("备注说明", Indicators), Some(Remark));
    assert_eq!(role("年度指标值（A）", Indicators), Some(Target));
    assert_eq!(role("实际完成值（B）", Indicators), Some(Actual));
    assert_eq!(classify("审核意见", Indicators), Class::Unknown);
    assert_eq!(classify("序号", Indicators), Class::Neutral);
    assert_eq!(role("（A）", Indicators), Some(Target));
    assert_eq!(role("预期指标值（A）", Indicators), Some(Target));
    assert_eq!(role("实际完成指标值（B）", Indicators), Some(Actual));
    assert_eq!(role("参考分值", Indicators), Some(Points));
    assert_eq!(role("分值说明", Indicators), None);
    assert_eq!(classify(&norm("项目资金（元）"), Funds), Class::Neutral);
    assert_eq!(classify("资金来源", Funds), Class::Neutral);
}

#[test]
fn points_stated_in_labels() {
    let p = |s: &str| stated_points(&norm(s)).map(|d| d.to_string());
    assert_eq!(p("预算执行情况（20分）").as_deref(), Some("20"));
    assert_eq!(p("得分（20分*执行率）").as_deref(), Some("20"));
    assert_eq!(p("分值（10分）").as_deref(), Some("10"));
    assert_eq!(p("年度绩效目标（80 分）").as_deref(), Some("80"));
    assert_eq!(p("（2024年度）"), None);
    assert_eq!(p("全年预算数（A）"), None);
    assert_eq!(p("项目资金（万元）"), None);
}

#[test]
fn page_lines() {
    for t in [
        "续表",
        "续表1",
        "第 1 页 共 2 页",
        "第2页",
        "- 3 -",
        "1/2",
        "共2页",
    ] {
        assert!(is_page_line(&norm(t)), "{t}");
    }
    for t in ["第一批", "办公用品", "1", "≥9次"] {
        assert!(!is_page_line(&norm(t)), "{t}");
    }
}

#[test]
fn titles_tell_the_form() {
    use super::{Title, title_kind};
    use crate::form::FormType;
    let kind = |t: &str| title_kind(&norm(t));
    assert_eq!(
        kind("项目支出绩效目标自评表"),
        Some(Title::Form(FormType::SelfEvaluation))
    );
    assert_eq!(
        kind("项目支出绩效自评表（评分表）"),
        Some(Title::Form(FormType::SelfEvaluation))
    );
    assert_eq!(
        kind("项目支出绩效目标申报表"),
        Some(Title::Form(FormType::TargetDeclaration))
    );
    assert_eq!(
        kind("2021年项目绩效目标表"),
        Some(Title::Form(FormType::TargetDeclaration))
    );
    assert_eq!(
        kind("项目支出绩效运行监控表"),
        Some(Title::Form(FormType::Monitoring))
    );
    assert_eq!(
        kind("部门整体支出绩效自评表"),
        Some(Title::Form(FormType::DepartmentEvaluation))
    );
    assert_eq!(kind("部门整体支出绩效评价得分表"), Some(Title::NotAForm));
    // A sentence that names a form is no title.
    assert_eq!(
        kind("本单位承诺本自评表所填内容真实、准确、完整，如有不实愿承担相应责任"),
        None
    );
    assert_eq!(kind("资金使用情况表"), None);
}

/// The remembered class of a header is the class read afresh, for every table, whichever table
/// asked first.
#[test]
fn remembered_header_classes_are_the_classes() {
    let tables = Table::ALL;
    let labels = [
        "年初预算数(A)",
        "全年执行数(B)",
        "执行率",
        "分值",
        "年度指标值",
        "实际完成值",
        "全年预计执行数",
        "完成目标可能性",
        "得分计算方法",
        "序号",
        "偏差原因分析及改进措施",
        "审核意见",
    ];
    let mut reversed = tables;
    reversed.reverse();
    // The first pass fills the memory in one order of tables, the second reads it in the other.
    for order in [tables, reversed] {
        for table in order {
            for label in labels {
                let label = norm(label);
                assert_eq!(
                    classify(&label, table),
                    classify_label(&label, table),
                    "{label} in {table:?}"
                );
            }
        }
    }
}
