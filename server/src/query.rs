//! Query parameters, read strictly: a name the endpoint does not take,
//! a parameter given twice, or a value that is not a date or a boolean is
//! a 400 that names it, never ignored, because a typo such as `?dat=`
//! would otherwise answer for another date with full confidence. Not here:
//! what the parameters mean (the routes).

use axum::http::StatusCode;
use chrono::NaiveDate;
use inforce_engine::RuleTree;
use inforce_engine::lines::{OutcomeSelection, Shape};

use crate::error::ApiError;

/// The parameters of one request, checked against what it takes.
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Reads `raw` (the part after `?`), allowing only `names`.
    pub fn parse(raw: Option<&str>, names: &[&str]) -> Result<Query, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !names.contains(&k.as_ref()) {
                let allowed = if names.is_empty() {
                    "this endpoint takes no query parameters".to_string()
                } else {
                    format!(
                        "this endpoint takes {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(bad(format!("unknown query parameter `{k}`"), &allowed));
            }
            if pairs.iter().any(|(seen, _)| *seen == k) {
                return Err(bad(
                    format!("the query parameter `{k}` is given twice"),
                    "give each parameter once",
                ));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Query { pairs })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A date parameter, if given.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => inforce_engine::parse_date(v).map(Some).ok_or_else(|| {
                bad(
                    format!("`{v}` is not a date (query parameter `{name}`)"),
                    "write the date as YYYY-MM-DD",
                )
            }),
        }
    }

    /// A boolean parameter: `true`/`false` (also `1`/`0`); absent is false.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1" | "") => Ok(true),
            Some(v) => Err(bad(
                format!("`{v}` is not true or false (query parameter `{name}`)"),
                "write `true` or `false`",
            )),
        }
    }

    /// The shape of batch lines: `full` (also when absent) or `compact`.
    pub fn shape(&self, name: &str) -> Result<Shape, ApiError> {
        match self.get(name) {
            None | Some("full") => Ok(Shape::Full),
            Some("compact") => Ok(Shape::Compact),
            Some(v) => Err(bad(
                format!("`{v}` is not an output shape (query parameter `{name}`)"),
                "write `full` or `compact`",
            )),
        }
    }

    /// Outcomes to keep, separated by commas, each declared by `tree`;
    /// absent: every outcome.
    pub fn outcomes(
        &self,
        name: &str,
        tree: &RuleTree,
    ) -> Result<Option<OutcomeSelection>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let names: Vec<&str> = v.split(',').collect();
        OutcomeSelection::new(tree, &names)
            .map(Some)
            .map_err(|message| {
                bad(
                    format!("{message} (query parameter `{name}`)"),
                    "see `GET /v1/vocabulary` for the declared outcomes",
                )
            })
    }
}

fn bad(message: String, help: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "inforce::serve::query",
        message,
        help,
    )
}
