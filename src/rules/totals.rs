//! Total rules (docs/rules.md): `total-score-mismatch` (总分 against the sum of the corrected
//! scores) and `grade-mismatch` (the grade that opens 自评结论 against the corrected total).

use rust_decimal::Decimal;

use super::funds::{reported_text, shown};
use super::values::{self, Reported, checked_sum, derived};
use super::{Code, Ctx, Draft, Slot, agrees, grade_of};
use crate::figure::{self, Figure};
use crate::form::{Column, Field};
use crate::num::{fmt_plain, round2};

pub(super) fn check(ctx: &mut Ctx) {
    let total_field = ctx.form.total.clone();
    let Some(reported) = derived(ctx, &total_field, "total", "总分") else {
        return;
    };
    ctx.figures.total_reported = match reported {
        Reported::Number(r) => Some(r),
        _ => None,
    };
    let grade_found = grade_word(&ctx.form.conclusion.as_text());
    ctx.figures.grade_reported = grade_found.map(|(_, g)| g.to_string());
    let total = match corrected_total(ctx) {
        Total::Sum(t) => round2(t),
        Total::Unknown => return,
        Total::Overflow(fields) => {
            let refs: Vec<&Field> = fields.iter().collect();
            ctx.record(Some(values::out_of_range(&refs, "total", "得分")));
            return;
        }
    };
    ctx.figures.total = Some(total);
    ctx.record(total_score_mismatch(&total_field, total, &reported));
    let grade = grade_of(total, ctx.settings);
    ctx.figures.grade = Some(grade.to_string());
    if let Some((at, stated)) = grade_found {
        let draft = grade_mismatch(ctx, total, grade, at, stated);
        ctx.record(draft);
    }
}

/// `total-score-mismatch`: 总分 differs from the sum of the scores as corrected (a blank or
/// error 总分 too); `fix` writes the sum.
fn total_score_mismatch(field: &Field, total: Decimal, reported: &Reported) -> Option<Draft> {
    field.pos?;
    if let Reported::Number(r) = reported
        && agrees(*r, total)
    {
        return None;
    }
    let message = format!(
        "总分应为各项得分之和 {}，{}",
        fmt_plain(total),
        shown(field, reported)
    );
    Some(
        Draft::on(Code::TotalScoreMismatch, field, "total", message)
            .reported(reported_text(field, reported))
            .fixing(Slot::Total, total),
    )
}

/// `grade-mismatch`: the grade word opening 自评结论 is not the grade of the corrected total;
/// `fix` rewrites the word (and the same grade named again as the self-evaluation's).
fn grade_mismatch(ctx: &Ctx, total: Decimal, grade: &str, at: usize, stated: &str) -> Option<Draft> {
    if stated == grade {
        return None;
    }
    let field = &ctx.form.conclusion;
    let text = field.text();
    // The opening grade word, and the same grade where the text names it again as the
    // self-evaluation's grade (`自评为良的理由` → `自评为优的理由`).
    let head: String = text.chars().take(at).collect();
    let tail: String = text.chars().skip(at.saturating_add(1)).collect();
    let tail = tail.replace(&format!("评为{stated}"), &format!("评为{grade}"));
    let corrected = format!("{head}{grade}{tail}");
    let s = ctx.settings;
    let message = format!(
        "总分 {} 对应等级为“{grade}”（优 ≥ {}，良 ≥ {}，中 ≥ {}），自评结论写为“{stated}”",
        fmt_plain(total),
        fmt_plain(s.grade_excellent),
        fmt_plain(s.grade_good),
        fmt_plain(s.grade_fair)
    );
    Some(
        Draft::on(Code::GradeMismatch, field, "grade", message)
            .reported(stated)
            .expected(grade)
            .fixing_text(Slot::Conclusion, corrected),
    )
}

/// The sum of the corrected scores, or why there is none.
enum Total {
    Sum(Decimal),
    /// A score cannot be read: the total is not guessed.
    Unknown,
    /// The sum leaves the decimal range; the scores' fields, to blame one.
    Overflow(Vec<Field>),
}

/// The sum of the corrected scores: indicator rows (not `其中` sub-rows) plus 预算执行率 得分.
fn corrected_total(ctx: &Ctx) -> Total {
    // Without the 得分 column the scores were not read: the sum is not guessed.
    if ctx.form.reading.lacks(Column::Score) {
        return Total::Unknown;
    }
    let mut fields = Vec::new();
    // The 预算执行率 row (a template scoring it among the indicators) is the funds score,
    // added once below.
    for ind in ctx.form.indicators.iter().filter(|i| i.counts() && !i.funds_row) {
        match figure::read(&ind.score) {
            _ if ind.score.unknown => return Total::Unknown,
            Figure::Number { .. } => fields.push(ind.score.clone()),
            Figure::Blank if figure::read(&ind.weight).is_blank() => {}
            _ => return Total::Unknown,
        }
    }
    // With a funds block, 总分 includes 预算执行率 得分: without a cell for it the sum is not known.
    if !ctx.form.funds.lines.is_empty() {
        match figure::read(&ctx.form.funds.score) {
            _ if ctx.form.funds.score.pos.is_none() => return Total::Unknown,
            _ if ctx.form.funds.score.unknown => return Total::Unknown,
            Figure::Number { .. } => fields.push(ctx.form.funds.score.clone()),
            _ => return Total::Unknown,
        }
    }
    let values = fields.iter().filter_map(|f| figure::read(f).number());
    match checked_sum(values) {
        Some(sum) => Total::Sum(sum),
        None => Total::Overflow(fields),
    }
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
        let before = i.checked_sub(1).and_then(|j| chars.get(j).copied());
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
