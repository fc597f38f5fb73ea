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
#[derive(Debug)]
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
    let ty = def.ty;
    let expected = || type_words(ty).to_string();
    let mismatch = || Refusal::Type {
        expected: expected(),
        help: format!(
            "write {} here, or leave the fact out if it is unknown",
            expected()
        ),
    };
    let not_allowed = |v: &str| Refusal::NotAllowed {
        value: v.to_string(),
        expected: def.allowed_words(),
        help: def.suggestion(v),
    };
    match (raw, ty) {
        (Given::Null, _) => Ok(match def.null_means {
            NullMeans::None => Some(Value::Null),
            NullMeans::Unknown => None,
        }),
        (Given::Bool(b), ValueType::Bool) => Ok(Some(Value::Bool(b))),
        (Given::Int(i), ValueType::Int) => i.map(|i| Some(Value::Int(i))).ok_or_else(mismatch),
        (Given::Str(s), ValueType::Date) => date_text(Some(s))
            .map(|d| Some(Value::Date(d)))
            .map_err(|why| Refusal::Type {
                expected: expected(),
                help: why,
            }),
        // The text form allows only four-digit years (`YYYY-MM-DD`); a
        // typed date outside them is refused alike, so that every date a
        // case holds can be written back as text.
        (Given::Date(d), ValueType::Date) => {
            if (0..=9999).contains(&chrono::Datelike::year(&d)) {
                Ok(Some(Value::Date(d)))
            } else {
                Err(Refusal::Type {
                    expected: expected(),
                    help: "dates run from 0000-01-01 to 9999-12-31".to_string(),
                })
            }
        }
        (Given::Str(s), ValueType::String) => {
            if def.allows(s) {
                Ok(Some(Value::Str(s.to_string())))
            } else {
                Err(not_allowed(s))
            }
        }
        (Given::List(items), ValueType::List) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(s) = item else {
                    return Err(Refusal::Type {
                        expected: "a list of names".to_string(),
                        help: format!("write each item as a name, e.g. `{list_example}`"),
                    });
                };
                if !def.allows(s) {
                    return Err(not_allowed(s));
                }
                out.push(s.to_string());
            }
            Ok(Some(Value::List(out)))
        }
        _ => Err(mismatch()),
    }
}
