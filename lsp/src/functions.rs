//! The date functions scripts may call, with their signatures and
//! conventions, for completion and hover. Written out here as
//! `docs/rule-format.md` (section 5.3) states them: rhai's own metadata
//! names parameters by their Rust types, which analysts never see.

/// A function scripts may call.
pub struct Function {
    /// Its name.
    pub name: &'static str,
    /// How it is called, and what it gives.
    pub signature: &'static str,
    /// Its convention, in one or two sentences.
    pub doc: &'static str,
}

/// Every date function, in the order the rule format lists them.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "add_days",
        signature: "add_days(d, n) -> date",
        doc: "`n` days after `d`; `n` may be negative. Also `d.add_days(n)`.",
    },
    Function {
        name: "add_months",
        signature: "add_months(d, n) -> date",
        doc: "Keeps the day number when the target month has it, else gives the last day of the target month (2008-01-31 + 1 = 2008-02-29).",
    },
    Function {
        name: "add_years",
        signature: "add_years(d, n) -> date",
        doc: "12 × `n` months, so 29 February + 1 year = 28 February.",
    },
    Function {
        name: "days_between",
        signature: "days_between(a, b) -> int",
        doc: "`b − a` in days: positive when `b` is later, 0 on the same day. Add 1 to count both ends.",
    },
    Function {
        name: "age_on",
        signature: "age_on(birth, d) -> int",
        doc: "Completed years by birthday: the age goes up on the anniversary itself. `age_on(person.birth_date, date) >= 18` is \"18 or older\".",
    },
    Function {
        name: "ymd",
        signature: "ymd(y, m, d) -> date",
        doc: "`ymd(2001, 7, 26)`. A day that does not exist is an error.",
    },
    Function {
        name: "parse_date",
        signature: "parse_date(\"YYYY-MM-DD\") -> date",
        doc: "Exactly `YYYY-MM-DD`.",
    },
    Function {
        name: "year",
        signature: "year(d) -> int",
        doc: "The year of `d`; also `d.year`.",
    },
    Function {
        name: "month",
        signature: "month(d) -> int",
        doc: "The month of `d`, 1 to 12; also `d.month`.",
    },
    Function {
        name: "day",
        signature: "day(d) -> int",
        doc: "The day of the month of `d`; also `d.day`.",
    },
];

/// The function called `name`, if it is one.
pub fn named(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
