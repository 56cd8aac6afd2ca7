//! Total rules (SPEC §2.2): `total-score-mismatch` (总分 against the sum of the corrected
//! scores) and `grade-mismatch` (the grade that opens 自评结论 against the corrected total).

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft, Reading, agrees, grade_of, read_number};
use crate::grid::Value;
use crate::num::{fmt_plain, round2};

pub(super) fn check(ctx: &mut Ctx) {
    let reported = match read_number(&ctx.form.total) {
        Reading::Number { value, .. } => Some(value),
        Reading::Blank => None,
        Reading::Unreadable => {
            let field = ctx.form.total.clone();
            ctx.unparseable(&field, "total", "总分");
            return;
        }
    };
    ctx.figures.total_reported = reported;
    let grade_found = grade_word(&ctx.form.conclusion.text());
    ctx.figures.grade_reported = grade_found.map(|(_, g)| g.to_string());
    let Some(total) = corrected_total(ctx) else { return };
    let total = round2(total);
    ctx.figures.total = Some(total);
    if ctx.form.total.pos.is_some() && !reported.is_some_and(|r| agrees(r, total)) {
        let shown = match reported {
            Some(_) => format!("表中为 {}", ctx.form.total.text()),
            None => "表中未填".to_string(),
        };
        let message = format!("总分应为各项得分之和 {}，{shown}", fmt_plain(total));
        ctx.report_fixed(
            |f| &mut f.total,
            Code::TotalScoreMismatch,
            "total",
            total,
            message,
        );
    }
    let grade = grade_of(total, ctx.settings);
    ctx.figures.grade = Some(grade.to_string());
    let Some((at, stated)) = grade_found else { return };
    if stated == grade {
        return;
    }
    let field = ctx.form.conclusion.clone();
    let text = field.text();
    // The opening grade word, and the same grade where the text names it again as the
    // self-evaluation's grade (`自评为良的理由` → `自评为优的理由`).
    let head: String = text.chars().take(at).collect();
    let tail: String = text.chars().skip(at + 1).collect();
    let tail = tail.replace(&format!("评为{stated}"), &format!("评为{grade}"));
    let corrected = format!("{head}{grade}{tail}");
    let message = format!(
        "总分 {} 对应等级为“{grade}”（优 ≥ {}，良 ≥ {}，中 ≥ {}），自评结论写为“{stated}”",
        fmt_plain(total),
        fmt_plain(ctx.settings.grade_excellent),
        fmt_plain(ctx.settings.grade_good),
        fmt_plain(ctx.settings.grade_fair)
    );
    let draft = Draft {
        code: Code::GradeMismatch,
        cell: field.cell(),
        subject: "grade".into(),
        reported: stated.to_string(),
        expected: grade.to_string(),
        message,
    };
    if ctx.report(draft, true) {
        ctx.form
            .conclusion
            .correct(Value::Text(corrected), Code::GradeMismatch);
    }
}

/// The sum of the corrected scores: indicator rows (not `其中` sub-rows) plus 预算执行率 得分.
/// `None` when a score cannot be read, so the total is not guessed.
fn corrected_total(ctx: &Ctx) -> Option<Decimal> {
    let mut sum = Decimal::ZERO;
    for ind in ctx.form.indicators.iter().filter(|i| !i.sub_row) {
        match read_number(&ind.score) {
            Reading::Number { value, .. } => sum += value,
            Reading::Blank if read_number(&ind.weight) == Reading::Blank => {}
            _ => return None,
        }
    }
    if !ctx.form.funds.lines.is_empty() {
        match read_number(&ctx.form.funds.score) {
            Reading::Number { value, .. } => sum += value,
            _ => return None,
        }
    }
    Some(sum)
}

/// The grade word that opens a conclusion (`优。自评为优的理由…`, `自评等级：良`), with its
/// character index.
pub(crate) fn grade_word(text: &str) -> Option<(usize, &'static str)> {
    let chars: Vec<char> = text.chars().take(40).collect();
    for (i, c) in chars.iter().enumerate() {
        let grade = match c {
            '优' => "优",
            '良' => "良",
            '中' => "中",
            '差' => "差",
            _ => continue,
        };
        let before = if i == 0 { None } else { Some(chars[i - 1]) };
        let opens = matches!(
            before,
            None | Some('为' | '：' | ':' | '“' | '"' | '「' | '（' | '(' | ' ' | '是')
        );
        if opens {
            return Some((i, grade));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::grade_word;

    #[test]
    fn grade_words() {
        assert_eq!(grade_word("优。自评为优的理由"), Some((0, "优")));
        assert_eq!(grade_word("自评等级：良"), Some((5, "良")));
        assert_eq!(grade_word("其中项目完成较好，评为“中”"), Some((12, "中")));
        assert_eq!(grade_word("项目完成情况较好"), None);
    }
}
