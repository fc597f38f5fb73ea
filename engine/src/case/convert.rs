//! Converting a fact's value to its declared type, shared by both case
//! readers so that they decide alike: what counts as a date, an allowed
//! value, a `null`. Not here: reading YAML or JSON, or where a value was
//! written (the readers turn a refusal into an error at its place).

use chrono::NaiveDate;

use crate::rules::format::{NullMeans, ValueType};
use crate::rules::model::{FactDef, Value, type_words};
use crate::script::dates;
use miette::SourceSpan;

use super::CaseError;
use crate::diagnostics::Src;

/// A `YYYY-MM-DD` date, or what is wrong with the text (`None`: not text).
pub(crate) fn date_text(s: Option<&str>) -> Result<NaiveDate, String> {
    match s {
        Some(s) => dates::parse_date(s).ok_or_else(|| {
            if s.len() == 10 && s.chars().filter(|c| *c == '-').count() == 2 {
                format!("`{s}` is not a day of the calendar")
            } else {
                "write dates as `YYYY-MM-DD`".to_string()
            }
        }),
        None => Err("write dates as `YYYY-MM-DD`".to_string()),
    }
}

/// A fact's value as either case reader (YAML tree, JSON) sees it, so that
/// both convert and check it in one place.
pub(crate) enum Given<'a> {
    Null,
    Bool(bool),
    /// An integer, or `None` for a number that is not one (JSON `1.5`).
    Int(Option<i64>),
    Str(&'a str),
    /// A date already typed as one (a column of dates), not text to parse.
    Date(NaiveDate),
    /// Each item's text, or `None` for an item that is not text.
    List(Vec<Option<&'a str>>),
    Other,
}

/// Why a fact's value was refused.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    /// Not of the declared type: what was expected and what to do.
    Type { expected: String, help: String },
    /// Of the right type but not an allowed value: the value, what is
    /// allowed and the closest allowed value.
    NotAllowed {
        value: String,
        expected: String,
        help: String,
    },
}

impl Refusal {
    /// The refusal as the case error of `field`, whose value is written
    /// `found` in messages, at `place` in its file if there is one.
    pub(crate) fn error(
        self,
        field: &str,
        found: String,
        place: Option<(&Src, SourceSpan)>,
    ) -> CaseError {
        let (src, span) = place.map(|(s, p)| (s.clone(), p)).unzip();
        match self {
            Refusal::Type { expected, help } => CaseError::WrongType {
                field: field.to_string(),
                expected,
                found,
                src,
                span,
                help,
            },
            Refusal::NotAllowed {
                value,
                expected,
                help,
            } => CaseError::NotAllowed {
                field: field.to_string(),
                value,
                expected,
                src,
                span,
                help,
            },
        }
    }
}

/// Converts a fact's value to its declared type, or says what was expected
/// and what to do. `Ok(None)` is an explicit `null` that means unknown: the
/// fact is then treated as left out. `list_example` shows a list as the
/// case's syntax writes it.
pub(crate) fn convert_raw(
    raw: Given,
    def: &FactDef,
    list_example: &str,
) -> Result<Option<Value>, Refusal> {
    convert_given(raw, def, list_example, |s| def.allows(s)).map_err(|refusal| *refusal)
}

/// `convert_raw` with `allows` deciding whether text is an allowed value:
/// for a reader with a quicker way to say what `def.allows` says (the JSON
/// scanner's prepared sets), which must say exactly that. A refusal comes
/// boxed: it is rare, and a small result is cheap to pass on.
#[inline]
pub(crate) fn convert_given(
    raw: Given,
    def: &FactDef,
    list_example: &str,
    allows: impl Fn(&str) -> bool,
) -> Result<Option<Value>, Box<Refusal>> {
    let ty = def.ty;
    // By what was given first, then the declared type: one branch on
    // each, where a match on both at once tested them together.
    match raw {
        Given::Null => Ok(match def.null_means {
            NullMeans::None => Some(Value::Null),
            NullMeans::Unknown => None,
        }),
        Given::Bool(b) if ty == ValueType::Bool => Ok(Some(Value::Bool(b))),
        Given::Int(Some(i)) if ty == ValueType::Int => Ok(Some(Value::Int(i))),
        Given::Str(s) if ty == ValueType::Date => match date_text(Some(s)) {
            Ok(d) => Ok(Some(Value::Date(d))),
            Err(why) => Err(wrong_type(def, why)),
        },
        // The text form allows only four-digit years (`YYYY-MM-DD`); a
        // typed date outside them is refused alike, so that every date a
        // case holds can be written back as text.
        Given::Date(d) if ty == ValueType::Date => {
            if (0..=9999).contains(&chrono::Datelike::year(&d)) {
                Ok(Some(Value::Date(d)))
            } else {
                Err(wrong_type(
                    def,
                    "dates run from 0000-01-01 to 9999-12-31".to_string(),
                ))
            }
        }
        Given::Str(s) if ty == ValueType::String => {
            if allows(s) {
                Ok(Some(Value::Str(s.to_string())))
            } else {
                Err(not_allowed(def, s))
            }
        }
        Given::List(items) if ty == ValueType::List => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(s) = item else {
                    return Err(Box::new(Refusal::Type {
                        expected: "a list of names".to_string(),
                        help: format!("write each item as a name, e.g. `{list_example}`"),
                    }));
                };
                if !allows(s) {
                    return Err(not_allowed(def, s));
                }
                out.push(s.to_string());
            }
            Ok(Some(Value::List(out)))
        }
        _ => Err(mismatch(def)),
    }
}

/// A value of another type than `def` declares, `help` saying what to do.
#[cold]
fn wrong_type(def: &FactDef, help: String) -> Box<Refusal> {
    Box::new(Refusal::Type {
        expected: type_words(def.ty).to_string(),
        help,
    })
}

/// A value of another type than `def` declares.
#[cold]
fn mismatch(def: &FactDef) -> Box<Refusal> {
    let expected = type_words(def.ty);
    wrong_type(
        def,
        format!("write {expected} here, or leave the fact out if it is unknown"),
    )
}

/// Text `v` that `def` does not allow.
#[cold]
fn not_allowed(def: &FactDef, v: &str) -> Box<Refusal> {
    Box::new(Refusal::NotAllowed {
        value: v.to_string(),
        expected: def.allowed_words(),
        help: def.suggestion(v),
    })
}
