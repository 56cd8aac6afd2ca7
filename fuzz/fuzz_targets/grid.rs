//! Arbitrary grids: cells drawn from the form's own vocabulary and random text, random merges;
//! locate and check must never panic, and checking a corrected form must find nothing to fix.
#![no_main]

use jixiao::grid::{Cell, Grid, Region, Value};
use jixiao::locate::locate;
use jixiao::rules::{Settings, check};
use libfuzzer_sys::fuzz_target;

const WORDS: &[&str] = &[
    "项目支出绩效目标自评表",
    "项目名称",
    "全年预算数（A）",
    "全年执行数（B）",
    "分值",
    "执行率",
    "得分",
    "年度资金总额",
    "财政拨款",
    "本级安排",
    "其中：上级补助",
    "其他",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "未完成原因分析",
    "产出指标(50分)",
    "数量指标",
    "成本指标",
    "≥9次",
    "≤60000元",
    "达成预期指标",
    "总分",
    "自评结论",
    "优。",
];

fuzz_target!(|data: &[u8]| {
    let mut cells = Vec::new();
    let mut merges = Vec::new();
    for chunk in data.chunks(4) {
        let [a, b, c, d] = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
            *chunk.get(3).unwrap_or(&0),
        ];
        let (row, col) = (u32::from(a % 48), u32::from(b % 12));
        if c == 255 {
            merges.push(Region {
                top: row,
                left: col,
                bottom: row + u32::from(d % 6),
                right: col + u32::from(d / 64),
            });
            continue;
        }
        let value = match c % 4 {
            0 => Value::Text(WORDS[usize::from(d) % WORDS.len()].to_string()),
            // Any magnitude a decimal holds, from 10^-28 to 7.9 × 10^28, and beyond it.
            1 => match rust_decimal::Decimal::try_from_i128_with_scale(
                (i128::from(d) << (c % 100)) - 3,
                u32::from(d % 29),
            ) {
                Ok(n) => Value::Number(n),
                Err(_) => Value::Unrepresentable(format!("{}E+{}", d, c)),
            },
            2 => Value::Empty,
            _ => Value::Error(["#DIV/0!", "#REF!", "#VALUE!", "#N/A"][usize::from(d % 4)].to_string()),
        };
        cells.push((
            row,
            col,
            Cell {
                value,
                percent: d % 2 == 0,
            },
        ));
    }
    let grid = Grid::from_cells("s", cells, merges);
    for form in locate(&grid).forms {
        let first = check(&form, &Settings::default());
        let second = check(&first.corrected, &Settings::default());
        assert!(
            second.findings.iter().all(|f| !f.fixed),
            "fix is idempotent: {:?}",
            second.findings
        );
    }
});
