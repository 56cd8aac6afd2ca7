//! The grammar of the two free-text cells every indicator row carries: the target
//! (年度指标值, e.g. `≥9次`, `不少于8次`, `2024年12月31日前`, `强效益`) and the actual
//! (实际完成值, e.g. `9次`, `31876.3元`, `达成预期指标`).
//!
//! Scoring (docs/rules.md, `indicator-score-mismatch`) depends on reading these cells the way a finance officer does: a
//! comparator, a number and a unit, or a deadline, or a qualitative phrase. This module turns
//! the text into typed values and nothing more; it never fails (text it cannot read becomes
//! [`Target::Qualitative`] or [`Actual::Text`]) and never panics. It is a small hand-written
//! scanner: normalise full-width forms, then match the few shapes a cell can take, each in its
//! own function. Numbers are read by [`crate::num`], the crate's one numeric boundary.
//!
//! Why one file of ~1,300 lines (of which 570 are tests): one grammar, whose tokenizer and target
//! and actual parsers share the number, unit and comparator tables.

use std::fmt;

use rust_decimal::Decimal;

use crate::num;

/// How a target compares the actual with its figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// `≥`, `不少于`, `不低于`, `达到`, `…以上`; also a target with no comparator at all.
    Ge,
    /// `>`, `大于`, `高于`, `超过`.
    Gt,
    /// `≤`, `不超过`, `不高于`, `…以内`, `…以下`.
    Le,
    /// `<`, `小于`, `低于`, `少于`.
    Lt,
    /// `=`, `等于`.
    Eq,
}

impl Comparator {
    /// The symbol used when writing a target back: `≥ > ≤ < =`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Ge => "≥",
            Comparator::Gt => ">",
            Comparator::Le => "≤",
            Comparator::Lt => "<",
            Comparator::Eq => "=",
        }
    }

    /// +1 when more is better, -1 when less is better, 0 for `=`.
    fn direction(self) -> i8 {
        match self {
            Comparator::Ge | Comparator::Gt => 1,
            Comparator::Le | Comparator::Lt => -1,
            Comparator::Eq => 0,
        }
    }
}

/// The unit written after a figure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unit {
    /// A bare number; it takes its counterpart's unit (docs/rules.md, "Forms as people fill them").
    None,
    /// `%`.
    Percent,
    /// `元`.
    Yuan,
    /// `万元` (10 000 元).
    WanYuan,
    /// Any other suffix as written: `次`, `批次`, `个`, `人`, `万人`, `km`, `‰`, `元/人`, …
    Other(String),
}

impl Unit {
    /// Whether the unit is an amount of money (元 or 万元).
    pub fn is_money(&self) -> bool {
        matches!(self, Unit::Yuan | Unit::WanYuan)
    }
}

/// A figure with its unit, e.g. `9次` or `0.6万元`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub value: Decimal,
    pub unit: Unit,
}

impl Quantity {
    /// Expresses the quantity in `unit`, so that it can be compared with a counterpart.
    ///
    /// The same unit gives a copy; 元 and 万元 convert (× or ÷ 10 000); a quantity without a
    /// unit adopts `unit`, and asking for [`Unit::None`] keeps the quantity as it is (a bare
    /// number agrees with any unit, docs/rules.md). Any other pair disagrees and gives `None`.
    pub fn to_unit(&self, unit: &Unit) -> Option<Quantity> {
        if self.unit == *unit || *unit == Unit::None {
            return Some(self.clone());
        }
        let value = match (&self.unit, unit) {
            (Unit::None, _) => self.value,
            (Unit::Yuan, Unit::WanYuan) => self.value.checked_div(Decimal::from(10_000))?,
            (Unit::WanYuan, Unit::Yuan) => self.value.checked_mul(Decimal::from(10_000))?,
            _ => return None,
        };
        Some(Quantity {
            value: value.normalize(),
            unit: unit.clone(),
        })
    }
}

/// A calendar date, ordered chronologically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A date, or `None` when the month or the day is out of range (Gregorian calendar).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let last = days_in_month(year, month)?;
        (1..=last).contains(&day).then_some(Date { year, month, day })
    }

    /// Whether this date is on or before `deadline`. Where either was written without a year
    /// and the form's year is unknown (year 0), month and day decide.
    pub fn on_or_before(&self, deadline: &Date) -> bool {
        if self.year == 0 || deadline.year == 0 {
            (self.month, self.day) <= (deadline.month, deadline.day)
        } else {
            self <= deadline
        }
    }

    /// The last day of a month (`2024年2月底` → 2024-02-29).
    pub fn last_of_month(year: i32, month: u32) -> Option<Date> {
        let day = days_in_month(year, month)?;
        Some(Date { year, month, day })
    }
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if leap => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// The stated result of a qualitative or time indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// 达成 (达成预期指标, 已完成, 是, …).
    Met,
    /// 部分达成 (基本达成, 部分完成, …).
    Partial,
    /// 未达成 (未完成, 否, …).
    Unmet,
}

/// A target (年度指标值) as read from its cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A comparator and a figure: `≥9次`, `≤60000元`, `50个` (no comparator means `≥`).
    Quantitative { cmp: Comparator, qty: Quantity },
    /// A date to finish by: `2024年12月31日前`, `2024年底前`, `≤2024-12-31`.
    Deadline(Date),
    /// Anything else, trimmed: `强效益`, `持续推进`, `保运转`.
    Qualitative(String),
}

/// An actual (实际完成值) as read from its cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actual {
    /// A figure: `9次`, `31876.3元`, `90%`, `0.6万元`, `196,876.3`.
    Quantity(Quantity),
    /// A date: `2024年12月20日`, `2024-12-20`, `20241220`.
    Date(Date),
    /// A stated result: `达成预期指标`, `部分达成`, `未达成`.
    Outcome(Outcome),
    /// Anything else, trimmed as written: prose, or an actual that repeats a comparator
    /// (`≥266米`), which is not a result.
    Text(String),
}

/// Years a date in a form may plausibly carry; outside them a "date" is read as something else.
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2100;

/// Longest units we accept as a suffix (`万平方米`, `个百分点`, `元/人·次`); longer tails are prose.
const MAX_UNIT_CHARS: usize = 8;

/// Comparators written before the figure, matched at the end of the text before the number
/// (longest first). A negation in front of a strict comparator flips it: `不少于` is `≥`.
const LEADING_COMPARATORS: &[(&str, Comparator)] = &[
    ("大于或等于", Comparator::Ge),
    ("大于等于", Comparator::Ge),
    ("至少", Comparator::Ge),
    ("达到", Comparator::Ge),
    ("达", Comparator::Ge),
    ("≥", Comparator::Ge),
    ("超过", Comparator::Gt),
    ("高于", Comparator::Gt),
    ("大于", Comparator::Gt),
    ("多于", Comparator::Gt),
    (">", Comparator::Gt),
    ("小于或等于", Comparator::Le),
    ("小于等于", Comparator::Le),
    ("至多", Comparator::Le),
    ("控制在", Comparator::Le),
    ("≤", Comparator::Le),
    ("低于", Comparator::Lt),
    ("小于", Comparator::Lt),
    ("少于", Comparator::Lt),
    ("<", Comparator::Lt),
    ("等于", Comparator::Eq),
    ("=", Comparator::Eq),
];

/// Negations that turn a strict comparator into its non-strict opposite (`不超过` = `≤`).
const NEGATIONS: &[&str] = &["不得", "不应", "不能", "不宜", "没有", "未", "不"];

/// Comparators written after the figure and its unit: `9次以上`, `60000元以内`.
const TRAILING_COMPARATORS: &[(&str, Comparator)] = &[
    ("及以上", Comparator::Ge),
    ("或以上", Comparator::Ge),
    ("以上", Comparator::Ge),
    ("及以下", Comparator::Le),
    ("或以下", Comparator::Le),
    ("以下", Comparator::Le),
    ("以内", Comparator::Le),
    ("之内", Comparator::Le),
    ("内", Comparator::Le),
];

/// `(含)` ("inclusive") may sit on either side of a trailing comparator: `90%(含)以上`.
const INCLUSIVE_MARK: &str = "(含)";

/// Characters that never occur in a unit: they mark prose, ranges or a second figure.
const NOT_IN_UNIT: &str = ",;:.!?、。…~～-+<>=≥≤()[]{}\"'“”‘’";

/// Characters that may not occur in the words before a leading comparator (`完成率达到95%`).
const NOT_IN_SUBJECT: &str = ",;!?、。<>=≥≤%";

/// Words before a deadline: `不晚于2024年12月31日`, `于2024年12月31日前完成`.
const DEADLINE_PREFIXES: &[&str] = &["不晚于", "不迟于", "≤", "于", "在"];
/// Words after a deadline: `2024年12月31日前`.
const DEADLINE_SUFFIXES: &[&str] = &["之前", "以前", "前"];

/// Modifiers of a result verb, with the result they state (`未完成`, `基本达成`, `已完成`).
const OUTCOME_MODIFIERS: &[(&str, Outcome)] = &[
    ("未全部", Outcome::Partial),
    ("未完全", Outcome::Partial),
    ("未按时", Outcome::Unmet),
    ("未按期", Outcome::Unmet),
    ("未如期", Outcome::Unmet),
    ("尚未", Outcome::Unmet),
    ("未能", Outcome::Unmet),
    ("没有", Outcome::Unmet),
    ("未", Outcome::Unmet),
    ("大部分", Outcome::Partial),
    ("部分", Outcome::Partial),
    ("已基本", Outcome::Partial),
    ("基本已", Outcome::Partial),
    ("基本", Outcome::Partial),
    ("", Outcome::Met),
    ("已", Outcome::Met),
    ("已经", Outcome::Met),
    ("全部", Outcome::Met),
    ("已全部", Outcome::Met),
    ("全面", Outcome::Met),
    ("均已", Outcome::Met),
    ("均", Outcome::Met),
    ("按时", Outcome::Met),
    ("已按时", Outcome::Met),
    ("按期", Outcome::Met),
    ("如期", Outcome::Met),
    ("顺利", Outcome::Met),
    ("圆满", Outcome::Met),
    ("超额", Outcome::Met),
];
const OUTCOME_VERBS: &[&str] = &["达成", "完成", "实现", "达到", "达标"];
const OUTCOME_OBJECTS: &[&str] = &[
    "",
    "预期指标",
    "预期指标值",
    "年度指标",
    "年度指标值",
    "预期目标",
    "年度目标",
    "目标",
    "指标",
    "预期",
    "目标值",
    "指标值",
    "预期效果",
    "任务",
    "目标任务",
    "年度任务",
];

/// Normalises a cell's text for matching: full-width digits, letters and signs to ASCII,
/// `≧ ⩾ >=` to `≥`, `≦ ⩽ <=` to `≤`, `═ ﹦ ＝ ==` to `=`, and blanks (including U+3000)
/// trimmed.
pub fn normalize(s: &str) -> String {
    // Mapping never turns a blank into a non-blank or back, so trimming first is the same.
    let s = num::trim_blank(s);
    let mut out = String::with_capacity(s.len());
    push_normalized(s, &mut out, |_| true);
    out
}

/// [`normalize`] with every blank removed, the form the scanners below work on.
fn compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_normalized(s, &mut out, |c| !num::is_blank(c));
    out
}

/// Appends `s` mapped as [`normalize`] describes to `out`, keeping the mapped characters for
/// which `keep` holds. `>=` and `<=` become one sign only when written together (`> =` stays
/// two characters, as it did when the signs were replaced before blanks were dropped).
fn push_normalized(s: &str, out: &mut String, keep: impl Fn(char) -> bool) {
    let mut previous = None;
    for c in s.chars() {
        let c = match num::halfwidth(c) {
            '≧' | '⩾' => '≥',
            '≦' | '⩽' => '≤',
            // Look-alikes of `=` that published forms use: box-drawing ═, small ﹦, ꞊.
            '═' | '﹦' | '꞊' | '⩵' => '=',
            other => other,
        };
        let joined = match (previous, c) {
            (Some('>'), '=') => Some('≥'),
            (Some('<'), '=') => Some('≤'),
            (Some('='), '=') => Some('='),
            _ => None,
        };
        if let Some(sign) = joined {
            out.pop();
            out.push(sign);
            previous = Some(sign);
        } else {
            if keep(c) {
                out.push(c);
            }
            previous = Some(c);
        }
    }
}

/// Reads a target (年度指标值). Never fails: text that is neither a quantity nor a deadline is
/// [`Target::Qualitative`]. A deadline without a year (`9月前`) has year 0: see
/// [`parse_target_in`].
pub fn parse_target(s: &str) -> Target {
    parse_target_in(s, 0)
}

/// [`parse_target`] in a form of `year`: a deadline written without one (`9月前`, `年底前`,
/// `12月31日前`) falls in that year. Year 0 stands for "the form's year, unknown": such dates
/// compare by month and day only (see [`Date::on_or_before`]).
pub fn parse_target_in(s: &str, year: i32) -> Target {
    let text = compact(s);
    if let Some(date) = parse_deadline(&text, year) {
        return Target::Deadline(date);
    }
    if let Some((cmp, qty)) = parse_quantitative(&text) {
        return Target::Quantitative { cmp, qty };
    }
    Target::Qualitative(num::trim_blank(s).to_string())
}

/// Reads an actual (实际完成值). Never fails: text that is not a stated result, a date or a
/// plain quantity is [`Actual::Text`], kept as written (trimmed).
pub fn parse_actual(s: &str) -> Actual {
    parse_actual_in(s, 0)
}

/// [`parse_actual`] in a form of `year` (a month without a year, `7月`, `10月完成`, falls in it).
pub fn parse_actual_in(s: &str, year: i32) -> Actual {
    let text = compact(s);
    if let Some(outcome) = outcome_of(&text) {
        return Actual::Outcome(outcome);
    }
    if let Some(date) = parse_actual_date(&text, year) {
        return Actual::Date(date);
    }
    if let Some(qty) = parse_actual_quantity(&text) {
        return Actual::Quantity(qty);
    }
    Actual::Text(num::trim_blank(s).to_string())
}

/// Reads a stated result: `达成预期指标`, `已完成`, `是` → met; `部分达成`, `基本完成` →
/// partial; `未达成`, `未完成`, `否` → unmet.
pub fn parse_outcome(s: &str) -> Option<Outcome> {
    outcome_of(&compact(s))
}

fn outcome_of(text: &str) -> Option<Outcome> {
    let text = text.trim_end_matches(['.', '。', '!']);
    match text {
        "是" => return Some(Outcome::Met),
        "否" => return Some(Outcome::Unmet),
        _ => {}
    }
    OUTCOME_MODIFIERS.iter().find_map(|&(modifier, outcome)| {
        let rest = text.strip_prefix(modifier)?;
        OUTCOME_VERBS.iter().find_map(|verb| {
            let object = rest.strip_prefix(verb)?;
            OUTCOME_OBJECTS.contains(&object).then_some(outcome)
        })
    })
}

/// `[comparator] number [unit] [trailing comparator]`, optionally with words before a leading
/// comparator (`完成率达到95%以上`).
fn parse_quantitative(text: &str) -> Option<(Comparator, Quantity)> {
    let (body, trailing) = split_trailing_comparator(text);
    let digit = body.find(|c: char| c.is_ascii_digit())?;
    let number_start = match body[..digit].chars().next_back() {
        Some(sign @ ('-' | '+')) => digit - sign.len_utf8(),
        _ => digit,
    };
    let (value, len) = num::scan_number(&body[number_start..])?;
    let unit = parse_unit(&body[number_start + len..])?;
    let leading = leading_comparator(&body[..number_start])?;
    let cmp = match (leading, trailing) {
        (None, None) => Comparator::Ge,
        (None, Some(c)) | (Some(c), None) => c,
        (Some(l), Some(t)) => {
            if l.direction() != 0 && l.direction() == t.direction() {
                l
            } else {
                return None;
            }
        }
    };
    Some((cmp, Quantity { value, unit }))
}

/// The comparator that ends the text before the number: `Some(None)` when there is no text,
/// `None` when the text does not end with a comparator or its other words are not a plain
/// subject.
fn leading_comparator(prefix: &str) -> Option<Option<Comparator>> {
    if prefix.is_empty() {
        return Some(None);
    }
    let (word, mut cmp) = longest_suffix(prefix, LEADING_COMPARATORS)?;
    let mut subject = &prefix[..prefix.len() - word.len()];
    if let Some(negation) = NEGATIONS.iter().find(|n| subject.ends_with(**n)) {
        cmp = match cmp {
            Comparator::Lt => Comparator::Ge,
            Comparator::Gt => Comparator::Le,
            _ => return None,
        };
        subject = &subject[..subject.len() - negation.len()];
    }
    let plain = !subject
        .chars()
        .any(|c| c.is_ascii_digit() || NOT_IN_SUBJECT.contains(c));
    plain.then_some(Some(cmp))
}

/// Splits off a trailing comparator word (`以上`, `以内`, …) and any `(含)` around it.
fn split_trailing_comparator(text: &str) -> (&str, Option<Comparator>) {
    let text = text.strip_suffix(INCLUSIVE_MARK).unwrap_or(text);
    match longest_suffix(text, TRAILING_COMPARATORS) {
        Some((word, cmp)) => {
            let body = &text[..text.len() - word.len()];
            (body.strip_suffix(INCLUSIVE_MARK).unwrap_or(body), Some(cmp))
        }
        None => (text, None),
    }
}

/// The longest word of `table` that ends `text`.
fn longest_suffix<T: Copy>(text: &str, table: &[(&'static str, T)]) -> Option<(&'static str, T)> {
    table
        .iter()
        .filter(|(word, _)| text.ends_with(word))
        .max_by_key(|(word, _)| word.len())
        .copied()
}

/// Reads what follows a figure as its unit, or `None` when it is prose rather than a unit.
fn parse_unit(tail: &str) -> Option<Unit> {
    let unit = match tail {
        "" => Unit::None,
        "%" | "百分比" | "百分之" => Unit::Percent,
        "元" => Unit::Yuan,
        "万元" => Unit::WanYuan,
        _ => {
            let prose = tail.chars().count() > MAX_UNIT_CHARS
                || tail
                    .chars()
                    .any(|c| c.is_ascii_digit() || num::is_blank(c) || NOT_IN_UNIT.contains(c))
                || longest_suffix(tail, TRAILING_COMPARATORS).is_some();
            if prose {
                return None;
            }
            Unit::Other(tail.to_string())
        }
    };
    Some(unit)
}

/// A deadline target: `[prefix] date [suffix] [完成]`, or `2024年内` / `2024年度内`.
///
/// A bare date counts as a deadline, except the 8-digit form (`20241231`), which needs a
/// suffix (`20241231前`) to be told from a number.
fn parse_deadline(text: &str, form_year: i32) -> Option<Date> {
    let mut body = text;
    let mut has_prefix = false;
    if let Some(rest) = DEADLINE_PREFIXES.iter().find_map(|p| body.strip_prefix(p)) {
        body = rest;
        has_prefix = true;
    }
    body = body.strip_suffix("完成").unwrap_or(body);
    let mut has_suffix = false;
    if let Some(rest) = DEADLINE_SUFFIXES.iter().find_map(|s| body.strip_suffix(s)) {
        body = rest;
        has_suffix = true;
    }
    if let Some(year) = body
        .strip_suffix("年内")
        .or_else(|| body.strip_suffix("年度内"))
        .and_then(parse_year)
    {
        return Date::new(year, 12, 31);
    }
    if let Some((date, rest, eight_digits)) = parse_date_prefix(body) {
        return (rest.is_empty() && (has_suffix || !eight_digits)).then_some(date);
    }
    // Without a year: `9月前`, `11月底前`, `年底前`, `12月31日前`, `本年度内` — only with a word
    // that makes it a deadline, so that a bare `3月` is not read as one. A month alone is its
    // last day (`9月前` is met by anything in September).
    const YEAR_END: [&str; 8] = [
        "年底",
        "年末",
        "年内",
        "年度内",
        "本年度内",
        "本年内",
        "本年底",
        "本年末",
    ];
    if YEAR_END.contains(&body) {
        return Date::new(form_year, 12, 31);
    }
    if !(has_suffix || has_prefix) {
        return None;
    }
    let (date, rest) = parse_month_day(body, form_year, MonthAlone::LastDay)?;
    rest.is_empty().then_some(date)
}

/// What a month written without a day stands for.
#[derive(Clone, Copy, PartialEq)]
enum MonthAlone {
    /// Its last day: the deadline `9月前` is met by anything in September.
    LastDay,
    /// Its first day: the actual `10月完成` may have been any day of October, so it is read in
    /// the filer's favour.
    FirstDay,
}

/// `M月`, `M月底`, `M月末`, `M月D日` (or `号`) at the start of `text`, in `year`.
fn parse_month_day(text: &str, year: i32, alone: MonthAlone) -> Option<(Date, &str)> {
    let (month, rest) = take_int(text, 2)?;
    let rest = rest.strip_prefix('月')?;
    for end_of_month in ["底", "末"] {
        if let Some(rest) = rest.strip_prefix(end_of_month) {
            return Some((Date::last_of_month(year, month)?, rest));
        }
    }
    if let Some((day, after)) = take_int(rest, 2) {
        let after = after
            .strip_prefix('日')
            .or_else(|| after.strip_prefix('号'))
            .unwrap_or(after);
        return Some((Date::new(year, month, day)?, after));
    }
    let rest = rest.strip_prefix('份').unwrap_or(rest);
    let date = match alone {
        MonthAlone::LastDay => Date::last_of_month(year, month)?,
        MonthAlone::FirstDay => Date::new(year, month, 1)?,
    };
    Some((date, rest))
}

/// A date actual: the date alone, or followed by `完成` / `已完成`; a date without a year
/// (`7月`, `10月完成`, `12月30日`) falls in `form_year`, a month alone on its first day.
fn parse_actual_date(text: &str, form_year: i32) -> Option<Date> {
    const DONE: [&str; 5] = ["", "完成", "已完成", "前完成", "底前完成"];
    if let Some((date, rest, _)) = parse_date_prefix(text) {
        return DONE.contains(&rest).then_some(date);
    }
    if let Some(rest) = text.strip_prefix("年底").or_else(|| text.strip_prefix("年末")) {
        return DONE
            .contains(&rest)
            .then(|| Date::new(form_year, 12, 31))
            .flatten();
    }
    let text = text.strip_prefix("于").unwrap_or(text);
    let (date, rest) = parse_month_day(text, form_year, MonthAlone::FirstDay)?;
    DONE.contains(&rest).then_some(date)
}

/// An actual read as a quantity only (`12月` as 12 months against `≥10月`), for a quantitative
/// target whose actual [`parse_actual`] took for something else.
pub fn parse_quantity(s: &str) -> Option<Quantity> {
    parse_actual_quantity(&compact(s))
}

/// A quantity actual: a number and a unit, nothing before (an actual carries no comparator).
fn parse_actual_quantity(text: &str) -> Option<Quantity> {
    let (value, len) = num::scan_number(text)?;
    let unit = parse_unit(&text[len..])?;
    Some(Quantity { value, unit })
}

/// Exactly four digits naming a plausible year.
fn parse_year(s: &str) -> Option<i32> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = s.parse().ok()?;
    (MIN_YEAR..=MAX_YEAR).contains(&year).then_some(year)
}

/// Reads a date at the start of `text` and returns it with the rest of the text and whether
/// it was written as 8 bare digits. Forms: `2024年12月31日` (or `号`), `2024年12月底`,
/// `2024年底` / `2024年年底` / `2024年末`, `2024-12-31`, `2024/12/31`, `2024.12.31`,
/// `20241231`. Invalid months and days give `None`.
fn parse_date_prefix(text: &str) -> Option<(Date, &str, bool)> {
    let year = parse_year(text.get(..4)?)?;
    let rest = &text[4..];
    if let Some(rest) = rest.strip_prefix('年') {
        for end_of_year in ["年底", "年末", "底", "末"] {
            if let Some(rest) = rest.strip_prefix(end_of_year) {
                return Some((Date::new(year, 12, 31)?, rest, false));
            }
        }
        let (month, rest) = take_int(rest, 2)?;
        let rest = rest.strip_prefix('月')?;
        for end_of_month in ["底", "末"] {
            if let Some(rest) = rest.strip_prefix(end_of_month) {
                return Some((Date::last_of_month(year, month)?, rest, false));
            }
        }
        let (day, rest) = take_int(rest, 2)?;
        let rest = rest
            .strip_prefix('日')
            .or_else(|| rest.strip_prefix('号'))
            .unwrap_or(rest);
        return Some((Date::new(year, month, day)?, rest, false));
    }
    if let Some(sep) = rest.chars().next().filter(|c| matches!(c, '-' | '/' | '.')) {
        let (month, rest) = take_int(&rest[1..], 2)?;
        let (day, rest) = take_int(rest.strip_prefix(sep)?, 2)?;
        return Some((Date::new(year, month, day)?, rest, false));
    }
    let digits = rest.get(..4)?;
    if digits.bytes().all(|b| b.is_ascii_digit()) && !rest[4..].starts_with(|c: char| c.is_ascii_digit()) {
        let month = digits[..2].parse().ok()?;
        let day = digits[2..].parse().ok()?;
        return Some((Date::new(year, month, day)?, &rest[4..], true));
    }
    None
}

/// Takes 1 to `max` ASCII digits from the start of `s`; `None` if there are none or more.
fn take_int(s: &str, max: usize) -> Option<(u32, &str)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > max {
        return None;
    }
    Some((s[..len].parse().ok()?, &s[len..]))
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::None => "",
            Unit::Percent => "%",
            Unit::Yuan => "元",
            Unit::WanYuan => "万元",
            Unit::Other(s) => s,
        })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", num::fmt_plain(self.value), self.unit)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}年{}月{}日", self.year, self.month, self.day)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Met => "达成",
            Outcome::Partial => "部分达成",
            Outcome::Unmet => "未达成",
        })
    }
}

/// Writes the canonical form, which [`parse_target`] reads back to the same value:
/// `≥9次`, `2024年12月31日前`, or the qualitative text.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Quantitative { cmp, qty } => write!(f, "{cmp}{qty}"),
            Target::Deadline(date) => write!(f, "{date}前"),
            Target::Qualitative(text) => f.write_str(text),
        }
    }
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Quantity(qty) => write!(f, "{qty}"),
            Actual::Date(date) => write!(f, "{date}"),
            Actual::Outcome(outcome) => write!(f, "{outcome}"),
            Actual::Text(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test literal")
    }

    fn other(s: &str) -> Unit {
        Unit::Other(s.to_string())
    }

    fn quant(cmp: Comparator, value: &str, unit: Unit) -> Target {
        Target::Quantitative {
            cmp,
            qty: Quantity {
                value: d(value),
                unit,
            },
        }
    }

    fn deadline(year: i32, month: u32, day: u32) -> Target {
        Target::Deadline(Date { year, month, day })
    }

    fn qty(value: &str, unit: Unit) -> Actual {
        Actual::Quantity(Quantity {
            value: d(value),
            unit,
        })
    }

    fn date(year: i32, month: u32, day: u32) -> Actual {
        Actual::Date(Date { year, month, day })
    }

    fn qualitative(s: &str) -> Target {
        Target::Qualitative(s.to_string())
    }

    fn text(s: &str) -> Actual {
        Actual::Text(s.to_string())
    }

    use Comparator::{Eq as EqC, Ge, Gt, Le, Lt};

    #[test]
    fn spec_targets() {
        assert_eq!(parse_target("≥9次"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("≤60000元"), quant(Le, "60000", Unit::Yuan));
        assert_eq!(parse_target("＝100%"), quant(EqC, "100", Unit::Percent));
        assert_eq!(parse_target("≥90%"), quant(Ge, "90", Unit::Percent));
        assert_eq!(parse_target("=36人"), quant(EqC, "36", other("人")));
        assert_eq!(parse_target("不少于8次"), quant(Ge, "8", other("次")));
        assert_eq!(parse_target("≥1个"), quant(Ge, "1", other("个")));
        assert_eq!(parse_target("≥6批次"), quant(Ge, "6", other("批次")));
        assert_eq!(parse_target("强效益"), qualitative("强效益"));
        assert_eq!(parse_target("持续推进"), qualitative("持续推进"));
        assert_eq!(parse_target("保运转"), qualitative("保运转"));
        assert_eq!(parse_target("是"), qualitative("是"));
        assert_eq!(parse_target("有效提升"), qualitative("有效提升"));
        assert_eq!(parse_target("2024年12月31日前"), deadline(2024, 12, 31));
    }

    #[test]
    fn targets_without_comparator_mean_at_least() {
        assert_eq!(parse_target("50个"), quant(Ge, "50", other("个")));
        assert_eq!(parse_target("50"), quant(Ge, "50", Unit::None));
        assert_eq!(parse_target("196,876.3"), quant(Ge, "196876.3", Unit::None));
    }

    #[test]
    fn comparator_words() {
        assert_eq!(parse_target("不低于95%"), quant(Ge, "95", Unit::Percent));
        assert_eq!(parse_target("大于等于3天"), quant(Ge, "3", other("天")));
        assert_eq!(parse_target("大于或等于3天"), quant(Ge, "3", other("天")));
        assert_eq!(parse_target("达到100%"), quant(Ge, "100", Unit::Percent));
        assert_eq!(parse_target("不高于5%"), quant(Le, "5", Unit::Percent));
        assert_eq!(parse_target("不超过30万元"), quant(Le, "30", Unit::WanYuan));
        assert_eq!(parse_target("小于等于2小时"), quant(Le, "2", other("小时")));
        assert_eq!(parse_target("低于3%"), quant(Lt, "3", Unit::Percent));
        assert_eq!(parse_target("小于3%"), quant(Lt, "3", Unit::Percent));
        assert_eq!(parse_target("高于80%"), quant(Gt, "80", Unit::Percent));
        assert_eq!(parse_target("大于80%"), quant(Gt, "80", Unit::Percent));
        assert_eq!(parse_target("超过80%"), quant(Gt, "80", Unit::Percent));
        assert_eq!(parse_target("等于12月"), quant(EqC, "12", other("月")));
        assert_eq!(parse_target("不得低于90%"), quant(Ge, "90", Unit::Percent));
        assert_eq!(parse_target("不大于1000元"), quant(Le, "1000", Unit::Yuan));
        assert_eq!(parse_target(">5项"), quant(Gt, "5", other("项")));
        assert_eq!(parse_target("<5项"), quant(Lt, "5", other("项")));
    }

    #[test]
    fn ascii_and_variant_comparators() {
        assert_eq!(parse_target(">=9次"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("<=9次"), quant(Le, "9", other("次")));
        assert_eq!(parse_target("＞＝9次"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("≧9次"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("≦9次"), quant(Le, "9", other("次")));
        assert_eq!(parse_target("⩾9次"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("⩽9次"), quant(Le, "9", other("次")));
        assert_eq!(parse_target("＞9次"), quant(Gt, "9", other("次")));
        assert_eq!(parse_target("＜9次"), quant(Lt, "9", other("次")));
        assert_eq!(
            parse_target("\u{3000}≥ 9 次\u{3000}"),
            quant(Ge, "9", other("次"))
        );
    }

    #[test]
    fn trailing_comparators() {
        assert_eq!(parse_target("9次以上"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("9次及以上"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("60000元以内"), quant(Le, "60000", Unit::Yuan));
        assert_eq!(parse_target("60000元以下"), quant(Le, "60000", Unit::Yuan));
        assert_eq!(parse_target("60000元及以下"), quant(Le, "60000", Unit::Yuan));
        assert_eq!(parse_target("90%(含)以上"), quant(Ge, "90", Unit::Percent));
        assert_eq!(parse_target("90%以上（含）"), quant(Ge, "90", Unit::Percent));
        assert_eq!(parse_target("3个工作日内"), quant(Le, "3", other("个工作日")));
        assert_eq!(parse_target("≥9次以上"), quant(Ge, "9", other("次")));
        assert_eq!(parse_target("控制在60000元以内"), quant(Le, "60000", Unit::Yuan));
        // Contradictory comparators are not a target we can score.
        assert_eq!(parse_target("≥9次以下"), qualitative("≥9次以下"));
        assert_eq!(parse_target("=9次以上"), qualitative("=9次以上"));
    }

    #[test]
    fn figures_inside_comparator_phrases() {
        assert_eq!(parse_target("完成率达到95%以上"), quant(Ge, "95", Unit::Percent));
        assert_eq!(parse_target("满意度≥90%"), quant(Ge, "90", Unit::Percent));
        assert_eq!(parse_target("满意度：不低于90%"), quant(Ge, "90", Unit::Percent));
        // Prose around a figure without a comparator stays qualitative.
        assert_eq!(parse_target("完成9次"), qualitative("完成9次"));
        assert_eq!(parse_target("第2批次"), qualitative("第2批次"));
        assert_eq!(
            parse_target("较上年增长，达到5%"),
            qualitative("较上年增长，达到5%")
        );
    }

    #[test]
    fn units_and_scale_words() {
        assert_eq!(parse_target("0.6万元"), quant(Ge, "0.6", Unit::WanYuan));
        assert_eq!(parse_target("≥1.2万人"), quant(Ge, "1.2", other("万人")));
        assert_eq!(parse_target("≤5‰"), quant(Le, "5", other("‰")));
        assert_eq!(parse_target("≥266米"), quant(Ge, "266", other("米")));
        assert_eq!(parse_target("≥10km"), quant(Ge, "10", other("km")));
        assert_eq!(parse_target("≤500元/人"), quant(Le, "500", other("元/人")));
        assert_eq!(parse_target("≥１２次"), quant(Ge, "12", other("次")));
        assert_eq!(parse_target("≥１，０００元"), quant(Ge, "1000", Unit::Yuan));
        assert_eq!(parse_target("≥5亩"), quant(Ge, "5", other("亩")));
        assert_eq!(parse_target("≥-5%"), quant(Ge, "-5", Unit::Percent));
    }

    #[test]
    fn prose_and_ranges_stay_qualitative() {
        for s in [
            "",
            "/",
            "-",
            "≥",
            "95%-100%",
            "5-10次",
            "9次，较上年增加",
            "约9次",
            "1,2次",
            "按计划推进2项重点工作并完成验收",
            "不等于5次",
        ] {
            assert_eq!(parse_target(s), qualitative(s), "{s:?}");
        }
        assert_eq!(parse_target("  强效益\u{3000}"), qualitative("强效益"));
    }

    #[test]
    fn deadlines() {
        assert_eq!(parse_target("2024年12月31日前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年12月31日之前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年12月31日以前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年底前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年年底前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年12月底前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年2月底前"), deadline(2024, 2, 29));
        assert_eq!(parse_target("2023年2月底前"), deadline(2023, 2, 28));
        assert_eq!(parse_target("2024年6月底前"), deadline(2024, 6, 30));
        assert_eq!(parse_target("2024-12-31前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024/12/31前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("≤2024年12月31日"), deadline(2024, 12, 31));
        assert_eq!(parse_target("≤2024-12-31"), deadline(2024, 12, 31));
        assert_eq!(parse_target("于2024年12月31日前完成"), deadline(2024, 12, 31));
        assert_eq!(parse_target("不晚于2024年9月30日"), deadline(2024, 9, 30));
        assert_eq!(parse_target("2024年内"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年度内"), deadline(2024, 12, 31));
        assert_eq!(parse_target("２０２４年１２月３１日前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("20241231前"), deadline(2024, 12, 31));
        assert_eq!(parse_target("2024年12月31日"), deadline(2024, 12, 31));
        // Without a suffix, eight digits are a number.
        assert_eq!(parse_target("≤20241231"), quant(Le, "20241231", Unit::None));
    }

    #[test]
    fn real_world_spellings() {
        // Look-alike equals signs and spaces (docs/rules.md, "Forms as people fill them").
        assert_eq!(parse_target("═ 100 %"), quant(EqC, "100", Unit::Percent));
        assert_eq!(parse_target("﹦ 72890 元"), quant(EqC, "72890", Unit::Yuan));
        assert_eq!(parse_target("==5个"), quant(EqC, "5", other("个")));
        assert_eq!(parse_target("≥ 95 %"), quant(Ge, "95", Unit::Percent));
        assert_eq!(parse_target("≥100百分比"), quant(Ge, "100", Unit::Percent));
        // Any unit word is a unit.
        assert_eq!(parse_target("0起"), quant(Ge, "0", other("起")));
        assert_eq!(parse_target("≥3宗"), quant(Ge, "3", other("宗")));
        assert_eq!(parse_actual("12栋"), qty("12", other("栋")));
    }

    #[test]
    fn deadlines_without_a_year_fall_in_the_forms_year() {
        let target = |s| parse_target_in(s, 2024);
        let actual = |s| parse_actual_in(s, 2024);
        assert_eq!(target("9月前"), deadline(2024, 9, 30));
        assert_eq!(target("11月底前"), deadline(2024, 11, 30));
        assert_eq!(target("年底前"), deadline(2024, 12, 31));
        assert_eq!(target("12月31日前"), deadline(2024, 12, 31));
        assert_eq!(target("2月底前"), deadline(2024, 2, 29));
        assert_eq!(target("本年度内"), deadline(2024, 12, 31));
        assert_eq!(
            actual("7月"),
            Actual::Date(Date {
                year: 2024,
                month: 7,
                day: 1
            })
        );
        assert_eq!(
            actual("10月完成"),
            Actual::Date(Date {
                year: 2024,
                month: 10,
                day: 1
            })
        );
        assert_eq!(
            actual("12月30日"),
            Actual::Date(Date {
                year: 2024,
                month: 12,
                day: 30
            })
        );
        assert_eq!(
            actual("2022年12月30日"),
            Actual::Date(Date {
                year: 2022,
                month: 12,
                day: 30
            })
        );
        // A bare month is a count of months, not a deadline; 13月 is no month.
        assert_eq!(target("3月"), quant(Ge, "3", other("月")));
        assert!(!matches!(target("13月前"), Target::Deadline(_)));
        // Unknown year (0): month and day decide.
        let late = Date {
            year: 0,
            month: 10,
            day: 1,
        };
        assert!(!late.on_or_before(&Date {
            year: 0,
            month: 9,
            day: 30
        }));
        assert!(
            Date {
                year: 2022,
                month: 7,
                day: 1
            }
            .on_or_before(&Date {
                year: 0,
                month: 9,
                day: 30
            })
        );
    }

    #[test]
    fn invalid_dates_are_not_deadlines() {
        assert_eq!(parse_target("2024年13月31日前"), qualitative("2024年13月31日前"));
        assert_eq!(parse_target("2024年2月30日前"), qualitative("2024年2月30日前"));
        assert_eq!(parse_target("2023年2月29日前"), qualitative("2023年2月29日前"));
        assert_eq!(parse_target("2024-00-10前"), qualitative("2024-00-10前"));
        assert_eq!(parse_target("2024年4月31日前"), qualitative("2024年4月31日前"));
        assert_eq!(parse_actual("20241331"), qty("20241331", Unit::None));
        assert_eq!(parse_actual("2024年2月30日"), text("2024年2月30日"));
    }

    #[test]
    fn spec_actuals() {
        assert_eq!(parse_actual("9次"), qty("9", other("次")));
        assert_eq!(parse_actual("31876.3元"), qty("31876.3", Unit::Yuan));
        assert_eq!(parse_actual("90%"), qty("90", Unit::Percent));
        assert_eq!(parse_actual("0.6万元"), qty("0.6", Unit::WanYuan));
        assert_eq!(parse_actual("196,876.3"), qty("196876.3", Unit::None));
        assert_eq!(parse_actual("１２次"), qty("12", other("次")));
        assert_eq!(parse_actual("达成预期指标"), Actual::Outcome(Outcome::Met));
        assert_eq!(parse_actual("部分达成"), Actual::Outcome(Outcome::Partial));
        assert_eq!(parse_actual("未达成"), Actual::Outcome(Outcome::Unmet));
        assert_eq!(parse_actual("完成"), Actual::Outcome(Outcome::Met));
        assert_eq!(parse_actual("≥266米"), text("≥266米"));
        assert_eq!(parse_actual(" ≥266米 "), text("≥266米"));
        assert_eq!(parse_actual("266米以上"), text("266米以上"));
        assert_eq!(parse_actual("有效提升"), text("有效提升"));
        assert_eq!(parse_actual("完成9次"), text("完成9次"));
        assert_eq!(parse_actual(""), text(""));
    }

    #[test]
    fn date_actuals() {
        assert_eq!(parse_actual("2024年12月20日"), date(2024, 12, 20));
        assert_eq!(parse_actual("2024-12-20"), date(2024, 12, 20));
        assert_eq!(parse_actual("20241220"), date(2024, 12, 20));
        assert_eq!(parse_actual("2024/12/31"), date(2024, 12, 31));
        assert_eq!(parse_actual("2024.12.31"), date(2024, 12, 31));
        assert_eq!(parse_actual("2024年12月20日完成"), date(2024, 12, 20));
        assert_eq!(parse_actual("2024年12月31号"), date(2024, 12, 31));
        assert_eq!(parse_actual("2024-1-5"), date(2024, 1, 5));
        assert_eq!(parse_actual("2024.12"), qty("2024.12", Unit::None));
        assert_eq!(parse_actual("2024年12月31日前"), text("2024年12月31日前"));
    }

    #[test]
    fn outcomes() {
        use Outcome::{Met, Partial, Unmet};
        for (s, want) in [
            ("达成预期指标", Met),
            ("达成年度指标", Met),
            ("已达成", Met),
            ("完成", Met),
            ("已完成", Met),
            ("按时完成", Met),
            ("是", Met),
            ("达成", Met),
            ("全部完成", Met),
            ("达到预期目标", Met),
            ("达成预期指标。", Met),
            ("部分达成", Partial),
            ("基本达成", Partial),
            ("部分完成", Partial),
            ("基本完成", Partial),
            ("未全部完成", Partial),
            ("未达成", Unmet),
            ("未完成", Unmet),
            ("否", Unmet),
            ("未按时完成", Unmet),
            ("未达到预期指标", Unmet),
            ("尚未完成", Unmet),
        ] {
            assert_eq!(parse_outcome(s), Some(want), "{s:?}");
            assert_eq!(parse_actual(s), Actual::Outcome(want), "{s:?}");
        }
        for s in ["", "有效提升", "强效益", "完成了很多工作", "未", "部分"] {
            assert_eq!(parse_outcome(s), None, "{s:?}");
        }
    }

    #[test]
    fn to_unit_converts_money_and_adopts_units() {
        let q = |v: &str, u: Unit| Quantity { value: d(v), unit: u };
        assert_eq!(
            q("0.6", Unit::WanYuan).to_unit(&Unit::Yuan),
            Some(q("6000", Unit::Yuan))
        );
        assert_eq!(
            q("31876.3", Unit::Yuan).to_unit(&Unit::WanYuan),
            Some(q("3.18763", Unit::WanYuan))
        );
        assert_eq!(
            q("9", other("次")).to_unit(&other("次")),
            Some(q("9", other("次")))
        );
        assert_eq!(
            q("50", Unit::None).to_unit(&other("个")),
            Some(q("50", other("个")))
        );
        assert_eq!(
            q("50", other("个")).to_unit(&Unit::None),
            Some(q("50", other("个")))
        );
        assert_eq!(q("9", other("次")).to_unit(&other("个")), None);
        assert_eq!(q("90", Unit::Percent).to_unit(&Unit::Yuan), None);
        assert_eq!(q("1.2", other("万人")).to_unit(&other("人")), None);
        assert_eq!(
            Quantity {
                value: Decimal::MAX,
                unit: Unit::WanYuan
            }
            .to_unit(&Unit::Yuan),
            None
        );
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(quant(Ge, "9", other("次")).to_string(), "≥9次");
        assert_eq!(quant(Le, "60000.00", Unit::Yuan).to_string(), "≤60000元");
        assert_eq!(quant(EqC, "100", Unit::Percent).to_string(), "=100%");
        assert_eq!(quant(Gt, "0.60", Unit::WanYuan).to_string(), ">0.6万元");
        assert_eq!(quant(Lt, "5", Unit::None).to_string(), "<5");
        assert_eq!(deadline(2024, 12, 31).to_string(), "2024年12月31日前");
        assert_eq!(qualitative("强效益").to_string(), "强效益");
        assert_eq!(
            Date {
                year: 2024,
                month: 1,
                day: 5
            }
            .to_string(),
            "2024年1月5日"
        );
        assert_eq!(Outcome::Partial.to_string(), "部分达成");
        for s in ["≥９次", "不少于8次", "9次以上", "2024年底前", "完成率达到95%以上"] {
            let t = parse_target(s);
            assert_eq!(parse_target(&t.to_string()), t, "{s:?}");
        }
    }

    #[test]
    fn dates_order_chronologically() {
        let a = Date::new(2024, 12, 20).expect("valid");
        let b = Date::new(2024, 12, 31).expect("valid");
        let c = Date::new(2025, 1, 1).expect("valid");
        assert!(a < b && b < c);
        assert_eq!(Date::new(2024, 2, 29).map(|d| d.day), Some(29));
        assert_eq!(Date::new(1900, 2, 29), None);
        assert_eq!(Date::new(2000, 2, 29).map(|d| d.day), Some(29));
        assert_eq!(Date::new(2024, 0, 1), None);
        assert_eq!(Date::new(2024, 1, 0), None);
        assert_eq!(Date::last_of_month(2024, 13), None);
    }

    fn comparator() -> impl Strategy<Value = Comparator> {
        prop_oneof![Just(Ge), Just(Gt), Just(Le), Just(Lt), Just(EqC)]
    }

    fn unit() -> impl Strategy<Value = Unit> {
        prop_oneof![
            Just(Unit::None),
            Just(Unit::Percent),
            Just(Unit::Yuan),
            Just(Unit::WanYuan),
            prop::sample::select(vec!["次", "批次", "个", "人", "天", "项"])
                .prop_map(|s| Unit::Other(s.to_string())),
        ]
    }

    fn quantitative() -> impl Strategy<Value = Target> {
        // 0 ..= 10^9 with up to 2 decimals.
        (0i64..=100_000_000_000, 0u32..=2, comparator(), unit()).prop_map(|(mantissa, scale, cmp, unit)| {
            let value = Decimal::new(mantissa, 2).round_dp(scale);
            Target::Quantitative {
                cmp,
                qty: Quantity { value, unit },
            }
        })
    }

    fn deadline_target() -> impl Strategy<Value = Target> {
        (MIN_YEAR..=MAX_YEAR, 1u32..=12)
            .prop_flat_map(|(year, month)| {
                let last = days_in_month(year, month).unwrap_or(28);
                (Just(year), Just(month), 1..=last)
            })
            .prop_map(|(year, month, day)| Target::Deadline(Date { year, month, day }))
    }

    const CHARSET: &str = "0123456789０１２３,，.．%％≥≤<>=＝＞＜+-－/年月日号底末前之以上下内及含()（）\
        元万次个人天项米达到不少于低于高于超过等于控制在完成未部分基本是否已预期指标 \u{3000}\u{00A0}";

    proptest! {
        #[test]
        fn quantitative_targets_round_trip(t in quantitative()) {
            prop_assert_eq!(parse_target(&t.to_string()), t);
        }

        /// The same targets as real forms spell them (docs/rules.md, "Forms as people fill
        /// them"): look-alike equals signs, full-width or doubled signs, spaces between the
        /// comparator, the figure and the unit, `百分比` for `%`.
        #[test]
        fn real_world_spellings_round_trip(
            t in quantitative(),
            eq in prop::sample::select(vec!["=", "═", "﹦", "＝", "==", "＝＝"]),
            ge in prop::sample::select(vec!["≥", "≧", ">=", "＞＝", "⩾"]),
            le in prop::sample::select(vec!["≤", "≦", "<=", "＜＝", "⩽"]),
            pct in prop::sample::select(vec!["%", "％", "百分比", " %"]),
            gap in prop::sample::select(vec!["", " ", "\u{3000}", "  "]),
        ) {
            let Target::Quantitative { cmp, qty } = &t else { unreachable!() };
            let sign = match cmp {
                EqC => eq,
                Ge => ge,
                Le => le,
                other => other.symbol(),
            };
            let unit = match &qty.unit {
                Unit::Percent => pct.to_string(),
                other => other.to_string(),
            };
            let written = format!("{sign}{gap}{}{gap}{unit}", qty.value);
            prop_assert_eq!(parse_target(&written), t.clone(), "{:?}", written);
        }

        #[test]
        fn deadlines_round_trip(t in deadline_target()) {
            prop_assert_eq!(parse_target(&t.to_string()), t);
        }

        #[test]
        fn parsing_any_string_never_panics(s in ".*") {
            let t = parse_target(&s);
            let _ = parse_actual(&s);
            let _ = parse_outcome(&s);
            prop_assert_eq!(parse_target(&t.to_string()), t);
        }

        /// The one-pass `normalize` and `compact` agree with the obvious (allocating)
        /// definition: map, replace `>=` `<=`, trim; then drop the blanks.
        #[test]
        fn one_pass_normalisation_matches_its_definition(
            chars in prop::collection::vec(
                prop::sample::select(format!("{CHARSET} =><＞＝＜═﹦\u{3000}\u{200B}").chars().collect::<Vec<_>>()),
                0..24,
            )
        ) {
            let s: String = chars.into_iter().collect();
            let mapped: String = s
                .chars()
                .map(|c| match num::halfwidth(c) {
                    '≧' | '⩾' => '≥',
                    '≦' | '⩽' => '≤',
                    '═' | '﹦' | '꞊' | '⩵' => '=',
                    other => other,
                })
                .collect();
            let mut mapped = mapped.replace(">=", "≥").replace("<=", "≤");
            while mapped.contains("==") {
                mapped = mapped.replace("==", "=");
            }
            let expected = num::trim_blank(&mapped).to_string();
            prop_assert_eq!(normalize(&s), expected.clone());
            let compacted: String = expected.chars().filter(|&c| !num::is_blank(c)).collect();
            prop_assert_eq!(compact(&s), compacted);
        }

        #[test]
        fn parsing_form_like_strings_never_panics(
            chars in prop::collection::vec(prop::sample::select(CHARSET.chars().collect::<Vec<_>>()), 0..24)
        ) {
            let s: String = chars.into_iter().collect();
            let t = parse_target(&s);
            let _ = parse_actual(&s);
            let _ = parse_outcome(&s);
            prop_assert_eq!(parse_target(&t.to_string()), t);
        }
    }
}
