//! Calendar dates for rule scripts: the `date` type, its arithmetic, and its
//! registration on a rhai engine. It is not for times of day, time zones,
//! durations as values, or deciding which rule version is in force.
//!
//! Conventions, chosen once so that every rule reads the same way:
//!
//! - **Month-end clamping.** Adding months (or years) keeps the day number
//!   when the target month has it and otherwise lands on the target month's
//!   last day: 2008-01-31 plus one month is 2008-02-29, 2009-01-31 plus one
//!   month is 2009-02-28, 2005-03-31 minus one month is 2005-02-28,
//!   2005-05-31 plus one month is 2005-06-30. Clamping is not undone by a
//!   later step, so adding one month twice may differ from adding two months.
//! - **29 February.** Years are twelve months, so 2008-02-29 plus one year is
//!   2009-02-28 and plus four years is 2012-02-29. Someone born on 29 February
//!   therefore has their birthday on 28 February in common years.
//! - **`days_between(from, to)`** is `to - from` in days: positive when `to`
//!   is later, negative when it is earlier, zero on the same day.
//! - **`age_on(birth, on)`** counts completed years and is defined as the
//!   largest `n` with `add_years(birth, n) <= on`, so for every `n`:
//!   `age_on(birth, on) >= n` exactly when `add_years(birth, n) <= on`. A
//!   birthday is reached on its anniversary, not the day after. Before birth
//!   the result is negative (`-1` for the year leading up to the birth date),
//!   which keeps the equivalence true for every `n` instead of hiding bad
//!   data behind a zero.
//! - **Text** is strictly `YYYY-MM-DD` (four, two and two digits) on input;
//!   output is the same form for years 0 to 9999.
//!
//! The pure helpers return `None` when a result would leave the supported
//! calendar range; the script functions turn that into a runtime error so a
//! rule never silently computes with a wrong date. No input panics.

use rhai::{Engine, EvalAltResult, ImmutableString, Position};

pub use chrono::NaiveDate;
use chrono::{Datelike, Days, Months};

/// The date type's name in scripts and in rhai's messages.
pub const TYPE_NAME: &str = "date";

/// Result type of script functions that can fail.
type ScriptResult<T> = Result<T, Box<EvalAltResult>>;

/// Adds `n` days (negative `n` goes back); `None` if out of range.
#[must_use]
pub fn add_days(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    let days = Days::new(n.unsigned_abs());
    if n >= 0 {
        d.checked_add_days(days)
    } else {
        d.checked_sub_days(days)
    }
}

/// Adds `n` calendar months (negative `n` goes back), clamping to the end of
/// a shorter target month; `None` if out of range.
#[must_use]
pub fn add_months(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    // A magnitude beyond u32 is far outside the calendar anyway.
    let months = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 {
        d.checked_add_months(months)
    } else {
        d.checked_sub_months(months)
    }
}

/// Adds `n` years as `12 * n` months, so 29 February becomes 28 February in
/// a common year; `None` if out of range.
#[must_use]
pub fn add_years(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    add_months(d, n.checked_mul(12)?)
}

/// Days from `from` to `to`: negative when `to` is earlier.
#[must_use]
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    // Day numbers, not a duration: the same count without a duration's
    // seconds and nanoseconds made and divided again (conditions ask it
    // of most cases).
    i64::from(to.num_days_from_ce()) - i64::from(from.num_days_from_ce())
}

/// Completed years from `birth` to `on`: the largest `n` with
/// `add_years(birth, n) <= on`, negative when `on` is before `birth`.
#[must_use]
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i64 {
    // The answer is the year difference or one less: `add_years` is
    // strictly increasing in `n`, and for this candidate it lands in
    // `on`'s year, on `birth`'s month and day (29 February made 28 in a
    // common year, as `add_months` clamps it). So compare months and
    // days, without making the anniversary.
    let candidate = i64::from(on.year()) - i64::from(birth.year());
    let (month, mut day) = (birth.month(), birth.day());
    if month == 2 && day == 29 && !on.leap_year() {
        day = 28;
    }
    if (month, day) > (on.month(), on.day()) {
        candidate - 1
    } else {
        candidate
    }
}

/// Parses exactly `YYYY-MM-DD`; `None` for any other shape or an impossible
/// date such as 2005-02-30.
#[must_use]
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let (y, m, d) = split_ymd(s)?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The numbers of a `YYYY-MM-DD` string, without checking the date exists,
/// so that callers can tell a malformed string from an impossible date.
fn split_ymd(s: &str) -> Option<(i32, u32, u32)> {
    // Matching the exact byte shape rejects signs, spaces, short fields and
    // non-ASCII digits, all of which `str::parse` or chrono would tolerate.
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = s.as_bytes() else {
        return None;
    };
    let digit = |b: &u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    let year = [y1, y2, y3, y4]
        .into_iter()
        .try_fold(0_u32, |acc, b| Some(acc * 10 + digit(b)?))?;
    let month = digit(m1)? * 10 + digit(m2)?;
    let day = digit(d1)? * 10 + digit(d2)?;
    Some((i32::try_from(year).ok()?, month, day))
}

fn runtime_error(message: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(message.into(), Position::NONE).into()
}

/// Names the operation in words so a rule author sees what overflowed.
/// The native evaluator words its failures with it too.
pub(crate) fn out_of_range_message(d: NaiveDate, n: i64, unit: &str) -> String {
    let direction = if n < 0 { "minus" } else { "plus" };
    format!(
        "date arithmetic out of range: {d} {direction} {} {unit}",
        n.unsigned_abs()
    )
}

fn out_of_range(d: NaiveDate, n: i64, unit: &str) -> Box<EvalAltResult> {
    runtime_error(out_of_range_message(d, n, unit))
}

fn script_add_days(d: NaiveDate, n: i64) -> ScriptResult<NaiveDate> {
    add_days(d, n).ok_or_else(|| out_of_range(d, n, "days"))
}

fn script_add_months(d: NaiveDate, n: i64) -> ScriptResult<NaiveDate> {
    add_months(d, n).ok_or_else(|| out_of_range(d, n, "months"))
}

fn script_add_years(d: NaiveDate, n: i64) -> ScriptResult<NaiveDate> {
    add_years(d, n).ok_or_else(|| out_of_range(d, n, "years"))
}

fn script_ymd(year: i64, month: i64, day: i64) -> ScriptResult<NaiveDate> {
    let date = match (
        i32::try_from(year),
        u32::try_from(month),
        u32::try_from(day),
    ) {
        (Ok(y), Ok(m), Ok(d)) => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    };
    date.ok_or_else(|| runtime_error(format!("there is no date {year:04}-{month:02}-{day:02}")))
}

fn script_parse_date(s: &str) -> ScriptResult<NaiveDate> {
    match split_ymd(s) {
        Some((y, m, d)) => NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| runtime_error(format!("there is no date {s}"))),
        None => Err(runtime_error(format!(
            "not a date in YYYY-MM-DD form: {s:?}"
        ))),
    }
}

/// Registers the `date` type and every date function on `engine`.
///
/// Functions take the date first, so rhai's method syntax works for all of
/// them: `d.add_days(3)` is `add_days(d, 3)`.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<NaiveDate>(TYPE_NAME);

    engine
        .register_fn("add_days", script_add_days)
        .register_fn("add_months", script_add_months)
        .register_fn("add_years", script_add_years)
        .register_fn("days_between", days_between)
        .register_fn("age_on", age_on)
        .register_fn("ymd", script_ymd)
        .register_fn("parse_date", |s: ImmutableString| script_parse_date(&s));

    engine
        .register_get("year", |d: &mut NaiveDate| i64::from(d.year()))
        .register_get("month", |d: &mut NaiveDate| i64::from(d.month()))
        .register_get("day", |d: &mut NaiveDate| i64::from(d.day()))
        .register_fn("year", |d: NaiveDate| i64::from(d.year()))
        .register_fn("month", |d: NaiveDate| i64::from(d.month()))
        .register_fn("day", |d: NaiveDate| i64::from(d.day()));

    engine
        .register_fn("==", |a: NaiveDate, b: NaiveDate| a == b)
        .register_fn("!=", |a: NaiveDate, b: NaiveDate| a != b)
        .register_fn("<", |a: NaiveDate, b: NaiveDate| a < b)
        .register_fn("<=", |a: NaiveDate, b: NaiveDate| a <= b)
        .register_fn(">", |a: NaiveDate, b: NaiveDate| a > b)
        .register_fn(">=", |a: NaiveDate, b: NaiveDate| a >= b);

    // A fact given as null arrives as `()`; rules test `d != ()` to mean "it
    // happened". Rhai's fallback for mixed types already answers this way,
    // but stating it keeps the meaning independent of that fallback.
    engine
        .register_fn("==", |_: NaiveDate, (): ()| false)
        .register_fn("==", |(): (), _: NaiveDate| false)
        .register_fn("!=", |_: NaiveDate, (): ()| true)
        .register_fn("!=", |(): (), _: NaiveDate| true);

    // Without these, interpolation and `+` would print the type name.
    engine
        .register_fn("to_string", |d: &mut NaiveDate| d.to_string())
        .register_fn("to_debug", |d: &mut NaiveDate| d.to_string())
        .register_fn("+", |s: ImmutableString, d: NaiveDate| format!("{s}{d}"))
        .register_fn("+", |d: NaiveDate, s: ImmutableString| format!("{d}{s}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rhai::packages::{ArithmeticPackage, BasicStringPackage, LogicPackage, Package};
    use rhai::{Dynamic, Scope};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    // ---- add_days ----

    #[test]
    fn adding_days_crosses_month_and_year_ends() {
        assert_eq!(add_days(date(2005, 12, 30), 3), Some(date(2006, 1, 2)));
    }

    #[test]
    fn adding_negative_days_goes_back() {
        assert_eq!(add_days(date(2005, 3, 1), -1), Some(date(2005, 2, 28)));
        assert_eq!(add_days(date(2008, 3, 1), -1), Some(date(2008, 2, 29)));
    }

    #[test]
    fn adding_zero_days_is_the_same_date() {
        assert_eq!(add_days(date(2005, 6, 10), 0), Some(date(2005, 6, 10)));
    }

    #[test]
    fn adding_too_many_days_is_none_rather_than_a_panic() {
        let d = date(2005, 1, 1);
        assert_eq!(add_days(d, 999_999_999_999), None);
        assert_eq!(add_days(d, i64::MAX), None);
        assert_eq!(add_days(d, i64::MIN), None);
        assert_eq!(add_days(NaiveDate::MAX, 1), None);
        assert_eq!(add_days(NaiveDate::MIN, -1), None);
    }

    // ---- add_months ----

    #[test]
    fn adding_a_month_to_the_31st_of_january_clamps_to_the_end_of_february() {
        assert_eq!(add_months(date(2008, 1, 31), 1), Some(date(2008, 2, 29)));
        assert_eq!(add_months(date(2009, 1, 31), 1), Some(date(2009, 2, 28)));
    }

    #[test]
    fn adding_a_month_to_the_31st_lands_on_the_30th_of_a_thirty_day_month() {
        assert_eq!(add_months(date(2005, 5, 31), 1), Some(date(2005, 6, 30)));
        assert_eq!(add_months(date(2005, 8, 31), 1), Some(date(2005, 9, 30)));
        assert_eq!(add_months(date(2005, 10, 31), 1), Some(date(2005, 11, 30)));
    }

    #[test]
    fn adding_a_month_keeps_the_day_when_the_target_month_has_it() {
        assert_eq!(add_months(date(2005, 1, 15), 1), Some(date(2005, 2, 15)));
        assert_eq!(add_months(date(2005, 4, 30), 1), Some(date(2005, 5, 30)));
    }

    #[test]
    fn subtracting_months_clamps_and_crosses_year_boundaries() {
        assert_eq!(add_months(date(2005, 3, 31), -1), Some(date(2005, 2, 28)));
        assert_eq!(add_months(date(2005, 1, 31), -2), Some(date(2004, 11, 30)));
        assert_eq!(add_months(date(2005, 1, 15), -13), Some(date(2003, 12, 15)));
    }

    #[test]
    fn adding_months_across_a_year_end_rolls_the_year() {
        assert_eq!(add_months(date(2005, 11, 30), 3), Some(date(2006, 2, 28)));
        assert_eq!(add_months(date(2005, 6, 10), 24), Some(date(2007, 6, 10)));
    }

    #[test]
    fn clamping_is_not_undone_by_a_later_month() {
        let once = add_months(add_months(date(2005, 1, 31), 1).unwrap(), 1);
        assert_eq!(once, Some(date(2005, 3, 28)));
        assert_eq!(add_months(date(2005, 1, 31), 2), Some(date(2005, 3, 31)));
    }

    #[test]
    fn adding_too_many_months_is_none_rather_than_a_panic() {
        let d = date(2005, 1, 1);
        assert_eq!(add_months(d, 999_999_999_999), None);
        assert_eq!(add_months(d, i64::from(u32::MAX)), None);
        assert_eq!(add_months(d, -i64::from(u32::MAX)), None);
        assert_eq!(add_months(d, i64::from(i32::MIN)), None);
        assert_eq!(add_months(d, i64::MAX), None);
        assert_eq!(add_months(d, i64::MIN), None);
        assert_eq!(add_months(NaiveDate::MAX, 1), None);
        assert_eq!(add_months(NaiveDate::MIN, -1), None);
    }

    // ---- add_years ----

    #[test]
    fn adding_a_year_to_the_29th_of_february_gives_the_28th() {
        assert_eq!(add_years(date(2008, 2, 29), 1), Some(date(2009, 2, 28)));
        assert_eq!(add_years(date(2008, 2, 29), -1), Some(date(2007, 2, 28)));
    }

    #[test]
    fn adding_four_years_to_the_29th_of_february_keeps_it() {
        assert_eq!(add_years(date(2008, 2, 29), 4), Some(date(2012, 2, 29)));
    }

    #[test]
    fn adding_a_hundred_years_to_the_29th_of_february_respects_the_century_rule() {
        assert_eq!(add_years(date(2000, 2, 29), 100), Some(date(2100, 2, 28)));
        assert_eq!(add_years(date(2000, 2, 29), 400), Some(date(2400, 2, 29)));
    }

    #[test]
    fn adding_negative_years_goes_back() {
        assert_eq!(add_years(date(2005, 6, 10), -65), Some(date(1940, 6, 10)));
    }

    #[test]
    fn adding_too_many_years_is_none_rather_than_a_panic() {
        let d = date(2005, 1, 1);
        assert_eq!(add_years(d, 999_999_999_999), None);
        assert_eq!(add_years(d, i64::MAX), None);
        assert_eq!(add_years(d, i64::MIN), None);
        assert_eq!(add_years(d, 300_000), None);
        assert_eq!(add_years(d, -300_000), None);
    }

    // ---- days_between ----

    #[test]
    fn days_between_is_positive_when_the_second_date_is_later() {
        assert_eq!(days_between(date(2005, 1, 1), date(2005, 12, 31)), 364);
        assert_eq!(days_between(date(2008, 1, 1), date(2009, 1, 1)), 366);
    }

    #[test]
    fn days_between_is_negative_when_the_second_date_is_earlier() {
        assert_eq!(days_between(date(2005, 1, 2), date(2005, 1, 1)), -1);
    }

    #[test]
    fn days_between_a_date_and_itself_is_zero() {
        assert_eq!(days_between(date(2005, 6, 10), date(2005, 6, 10)), 0);
    }

    #[test]
    fn days_between_the_ends_of_the_calendar_does_not_overflow() {
        let span = days_between(NaiveDate::MIN, NaiveDate::MAX);
        assert!(span > 0);
        assert_eq!(days_between(NaiveDate::MAX, NaiveDate::MIN), -span);
    }

    // ---- age_on ----

    #[test]
    fn age_is_reached_on_the_birthday_itself() {
        assert_eq!(age_on(date(1940, 6, 10), date(2005, 6, 10)), 65);
    }

    #[test]
    fn age_is_not_reached_on_the_day_before_the_birthday() {
        assert_eq!(age_on(date(1940, 6, 10), date(2005, 6, 9)), 64);
    }

    #[test]
    fn age_on_the_day_of_birth_is_zero() {
        assert_eq!(age_on(date(2005, 6, 10), date(2005, 6, 10)), 0);
        assert_eq!(age_on(date(2005, 6, 10), date(2006, 6, 9)), 0);
    }

    #[test]
    fn a_29_february_birthday_is_reached_on_28_february_in_a_common_year() {
        let birth = date(2000, 2, 29);
        assert_eq!(age_on(birth, date(2001, 2, 27)), 0);
        assert_eq!(age_on(birth, date(2001, 2, 28)), 1);
        assert_eq!(age_on(birth, date(2001, 3, 1)), 1);
    }

    #[test]
    fn a_29_february_birthday_is_reached_on_29_february_in_a_leap_year() {
        let birth = date(2000, 2, 29);
        assert_eq!(age_on(birth, date(2004, 2, 28)), 3);
        assert_eq!(age_on(birth, date(2004, 2, 29)), 4);
    }

    #[test]
    fn age_before_birth_is_negative() {
        let birth = date(2005, 6, 10);
        assert_eq!(age_on(birth, date(2005, 6, 9)), -1);
        assert_eq!(age_on(birth, date(2004, 6, 10)), -1);
        assert_eq!(age_on(birth, date(2004, 6, 9)), -2);
    }

    #[test]
    fn age_across_the_whole_calendar_does_not_overflow() {
        assert!(age_on(NaiveDate::MIN, NaiveDate::MAX) > 0);
        assert!(age_on(NaiveDate::MAX, NaiveDate::MIN) < 0);
    }

    // ---- parse_date ----

    #[test]
    fn parsing_accepts_a_well_formed_date() {
        assert_eq!(parse_date("2005-06-10"), Some(date(2005, 6, 10)));
        assert_eq!(parse_date("2008-02-29"), Some(date(2008, 2, 29)));
    }

    #[test]
    fn parsing_rejects_a_date_that_does_not_exist() {
        assert_eq!(parse_date("2005-02-30"), None);
        assert_eq!(parse_date("2005-02-29"), None);
        assert_eq!(parse_date("2005-13-01"), None);
        assert_eq!(parse_date("2005-00-10"), None);
        assert_eq!(parse_date("2005-06-00"), None);
    }

    #[test]
    fn parsing_rejects_anything_but_four_two_two_digits() {
        for bad in [
            "",
            "2005-6-10",
            "2005-06-1",
            "05-06-10",
            "+2005-06-10",
            "02005-06-10",
            "2005/06/10",
            "2005-06-10 ",
            " 2005-06-10",
            "2005-06-10T00:00",
            "20050610",
            "2005-+6-10",
            "2005--6-10",
            "2005-06-1a",
            "２００５-06-10",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?} should be rejected");
        }
    }

    // ---- through a rhai engine ----

    fn engine() -> Engine {
        let mut engine = Engine::new_raw();
        ArithmeticPackage::new().register_into_engine(&mut engine);
        LogicPackage::new().register_into_engine(&mut engine);
        BasicStringPackage::new().register_into_engine(&mut engine);
        register(&mut engine);
        engine
    }

    fn scope() -> Scope<'static> {
        let mut scope = Scope::new();
        scope.push("born", date(1940, 6, 10));
        scope.push("leap", date(2008, 2, 29));
        scope.push("today", date(2005, 6, 10));
        scope.push("left", date(2003, 1, 31));
        scope.push("nothing", ());
        scope
    }

    fn eval<T: rhai::Variant + Clone>(script: &str) -> T {
        engine()
            .eval_expression_with_scope::<T>(&mut scope(), script)
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    fn eval_error(script: &str) -> String {
        match engine().eval_expression_with_scope::<Dynamic>(&mut scope(), script) {
            Ok(v) => panic!("{script} should fail but gave {v}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn scripts_can_call_date_functions_as_methods() {
        assert_eq!(eval::<NaiveDate>("today.add_days(3)"), date(2005, 6, 13));
        assert_eq!(eval::<NaiveDate>("left.add_months(1)"), date(2003, 2, 28));
        assert_eq!(eval::<NaiveDate>("leap.add_years(1)"), date(2009, 2, 28));
        assert_eq!(eval::<i64>("born.age_on(today)"), 65);
        assert_eq!(eval::<i64>("left.days_between(today)"), 861);
    }

    #[test]
    fn scripts_can_call_date_functions_as_functions() {
        assert_eq!(eval::<NaiveDate>("add_days(today, -10)"), date(2005, 5, 31));
        assert_eq!(
            eval::<NaiveDate>("add_months(today, -6)"),
            date(2004, 12, 10)
        );
        assert_eq!(eval::<NaiveDate>("add_years(today, 2)"), date(2007, 6, 10));
        assert_eq!(eval::<i64>("age_on(born, add_days(today, -1))"), 64);
        assert_eq!(eval::<i64>("days_between(today, left)"), -861);
    }

    #[test]
    fn scripts_can_build_dates_with_ymd_and_parse_date() {
        assert_eq!(eval::<NaiveDate>("ymd(2005, 6, 10)"), date(2005, 6, 10));
        assert_eq!(
            eval::<NaiveDate>("parse_date(\"2008-02-29\")"),
            date(2008, 2, 29)
        );
        assert!(eval::<bool>("ymd(2005, 6, 10) == today"));
    }

    #[test]
    fn scripts_can_read_year_month_and_day_as_properties_and_functions() {
        assert_eq!(eval::<i64>("today.year"), 2005);
        assert_eq!(eval::<i64>("today.month"), 6);
        assert_eq!(eval::<i64>("today.day"), 10);
        assert_eq!(
            eval::<i64>("year(leap) * 10000 + month(leap) * 100 + day(leap)"),
            20_080_229
        );
        assert_eq!(eval::<i64>("today.year()"), 2005);
    }

    #[test]
    fn scripts_can_compare_dates() {
        assert!(eval::<bool>("left < today"));
        assert!(eval::<bool>("left <= today"));
        assert!(eval::<bool>("today > left"));
        assert!(eval::<bool>("today >= left"));
        assert!(eval::<bool>("today >= today"));
        assert!(eval::<bool>("today <= today"));
        assert!(eval::<bool>("today == ymd(2005, 6, 10)"));
        assert!(eval::<bool>("today != left"));
        assert!(!eval::<bool>("today < today"));
        assert!(!eval::<bool>("today == left"));
        assert!(eval::<bool>(
            "born.add_years(65) <= today && today < born.add_years(66)"
        ));
    }

    #[test]
    fn a_date_is_never_equal_to_unit() {
        assert!(!eval::<bool>("today == ()"));
        assert!(eval::<bool>("today != ()"));
        assert!(!eval::<bool>("() == today"));
        assert!(eval::<bool>("() != today"));
        assert!(!eval::<bool>("today == nothing"));
        assert!(eval::<bool>("nothing != today"));
        assert!(eval::<bool>("nothing == ()"));
    }

    #[test]
    fn scripts_show_dates_in_iso_form() {
        assert_eq!(eval::<String>("to_string(today)"), "2005-06-10");
        assert_eq!(eval::<String>("today.to_debug()"), "2005-06-10");
        assert_eq!(eval::<String>("`left on ${left}`"), "left on 2003-01-31");
        assert_eq!(eval::<String>("\"on \" + today"), "on 2005-06-10");
        assert_eq!(
            eval::<String>("today + \" it ended\""),
            "2005-06-10 it ended"
        );
        assert_eq!(eval::<String>("type_of(today)"), "date");
    }

    #[test]
    fn an_impossible_ymd_is_a_script_error() {
        let message = eval_error("ymd(2005, 2, 30)");
        assert!(message.contains("there is no date 2005-02-30"), "{message}");
        let message = eval_error("ymd(99999999999, 1, 1)");
        assert!(
            message.contains("there is no date 99999999999-01-01"),
            "{message}"
        );
        let message = eval_error("ymd(2005, -1, 1)");
        assert!(message.contains("there is no date"), "{message}");
    }

    #[test]
    fn a_malformed_or_impossible_string_is_a_parse_date_error() {
        let message = eval_error("parse_date(\"2005-6-10\")");
        assert!(
            message.contains("not a date in YYYY-MM-DD form"),
            "{message}"
        );
        let message = eval_error("parse_date(\"2005-02-30\")");
        assert!(message.contains("there is no date 2005-02-30"), "{message}");
    }

    #[test]
    fn overflowing_date_arithmetic_is_a_script_error() {
        let message = eval_error("ymd(2005, 1, 1).add_days(999999999999)");
        assert!(
            message.contains("date arithmetic out of range: 2005-01-01 plus 999999999999 days"),
            "{message}"
        );
        let message = eval_error("today.add_months(-99999999999)");
        assert!(
            message.contains("out of range: 2005-06-10 minus 99999999999 months"),
            "{message}"
        );
        let message = eval_error("today.add_years(1000000)");
        assert!(message.contains("plus 1000000 years"), "{message}");
    }

    #[test]
    fn script_errors_name_the_date_type_not_the_rust_type() {
        let message = eval_error("today + 1");
        assert!(!message.contains("chrono"), "{message}");
        assert!(!message.contains("NaiveDate"), "{message}");
    }

    // ---- properties ----

    /// Dates from 1600 to 2399 with the day clamped to the month, so month
    /// ends and 29 February come up far more often than uniform sampling.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1600_i32..2400, 1_u32..=12, 1_u32..=31).prop_map(|(y, m, d)| {
            (1..=d)
                .rev()
                .find_map(|d| NaiveDate::from_ymd_opt(y, m, d))
                .unwrap()
        })
    }

    fn any_supported_date() -> impl Strategy<Value = NaiveDate> {
        let first = NaiveDate::MIN.num_days_from_ce();
        let last = NaiveDate::MAX.num_days_from_ce();
        (first..=last).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    proptest! {
        #[test]
        fn adding_months_lands_in_the_target_month_and_never_past_the_same_day(
            d in any_date(),
            n in -100_000_i64..100_000,
        ) {
            let result = add_months(d, n).unwrap();
            let index = i64::from(d.year()) * 12 + i64::from(d.month0()) + n;
            prop_assert_eq!(i64::from(result.year()), index.div_euclid(12));
            prop_assert_eq!(i64::from(result.month0()), index.rem_euclid(12));
            prop_assert!(result.day() <= d.day());
            // Clamping only happens when the day does not exist there.
            if result.day() < d.day() {
                prop_assert_eq!(add_days(result, 1).unwrap().day(), 1);
            }
        }

        #[test]
        fn adding_a_year_and_taking_it_away_returns_the_date_except_on_29_february(
            d in any_date(),
        ) {
            let back = add_years(add_years(d, 1).unwrap(), -1).unwrap();
            if d.month() == 2 && d.day() == 29 {
                prop_assert_eq!(back, add_days(d, -1).unwrap());
            } else {
                prop_assert_eq!(back, d);
            }
        }

        #[test]
        fn age_on_the_nth_anniversary_is_n(b in any_date(), n in 0_i64..500) {
            prop_assert_eq!(age_on(b, add_years(b, n).unwrap()), n);
        }

        #[test]
        fn age_on_the_day_before_the_nth_anniversary_is_n_minus_one(
            b in any_date(),
            n in -500_i64..500,
        ) {
            let eve = add_days(add_years(b, n).unwrap(), -1).unwrap();
            prop_assert_eq!(age_on(b, eve), n - 1);
        }

        #[test]
        fn age_at_least_n_means_the_nth_anniversary_has_come(
            b in any_date(),
            on in any_date(),
            n in -1_000_i64..1_000,
        ) {
            let reached = add_years(b, n).unwrap() <= on;
            prop_assert_eq!(age_on(b, on) >= n, reached);
        }

        #[test]
        fn days_between_a_date_and_n_days_later_is_n(
            a in any_date(),
            n in -1_000_000_i64..1_000_000,
        ) {
            prop_assert_eq!(days_between(a, add_days(a, n).unwrap()), n);
        }

        #[test]
        fn printing_and_parsing_a_date_gives_it_back(d in any_date()) {
            prop_assert_eq!(parse_date(&d.to_string()), Some(d));
        }

        #[test]
        fn no_integer_makes_date_arithmetic_panic(
            d in any_supported_date(),
            n in any::<i64>(),
        ) {
            if let Some(r) = add_days(d, n) {
                prop_assert_eq!(days_between(d, r), n);
            }
            if let Some(r) = add_months(d, n) {
                prop_assert!(r.day() <= d.day());
            }
            let _ = add_years(d, n);
        }

        #[test]
        fn age_on_any_two_supported_dates_agrees_with_add_years(
            b in any_supported_date(),
            on in any_supported_date(),
        ) {
            let age = age_on(b, on);
            if let Some(at) = add_years(b, age) {
                prop_assert!(at <= on);
            }
            if let Some(next) = add_years(b, age + 1) {
                prop_assert!(next > on);
            }
        }

        #[test]
        fn age_on_is_the_year_difference_less_one_exactly_when_the_anniversary_is_later(
            b in any_date(),
            on in any_date(),
        ) {
            let candidate = i64::from(on.year()) - i64::from(b.year());
            let anniversary = add_years(b, candidate).unwrap();
            let expected = if anniversary > on { candidate - 1 } else { candidate };
            prop_assert_eq!(age_on(b, on), expected);
        }

        #[test]
        fn days_between_agrees_with_the_duration_between_the_dates(
            a in any_supported_date(),
            b in any_supported_date(),
        ) {
            prop_assert_eq!(days_between(a, b), b.signed_duration_since(a).num_days());
        }

        #[test]
        fn no_integers_make_ymd_panic(y in any::<i64>(), m in any::<i64>(), d in any::<i64>()) {
            let result = script_ymd(y, m, d);
            let expected = i32::try_from(y).ok().and_then(|y| {
                NaiveDate::from_ymd_opt(y, u32::try_from(m).ok()?, u32::try_from(d).ok()?)
            });
            prop_assert_eq!(result.ok(), expected);
        }

        #[test]
        fn no_string_makes_parse_date_panic(s in "\\PC{0,12}") {
            let _ = parse_date(&s);
        }
    }
}
