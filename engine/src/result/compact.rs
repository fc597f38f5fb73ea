//! Compact results: one short JSON line per case that names rules,
//! versions and reasons by id, and the legend that gives the texts behind
//! those ids once per run. A compact line plus the legend expand to the
//! full result, byte for byte (`expand`). Not here: the full result's
//! writer (`json`), or choosing which shape a run writes (the callers).
//!
//! A compact line:
//!
//! ```json
//! {"case":"c1","date":"2008-03-01","digest":"31f2…","rule_sets":{"kz.citizens-departure@2001-07-26":true},
//!  "outcomes":{"exit_visa_required":{"status":"decided","value":true,"by":["kz.citizens-departure@2001-07-26#exit-permit"]},
//!              "exit_denial_grounds":{"status":"undetermined","reason":["n3"]}}}
//! ```
//!
//! Per outcome: `status`; `value` when decided; `by`, the deciding rules
//! as `SET@VERSION#RULE`; for a conflict `by` and `values`, the value each
//! of those rules gave; `needs` for missing facts; for an undetermined
//! outcome `reason`, one code per rule set that answers it (`n3`, `r4`,
//! `l0`, `u5.12`: the kind's letter, the version's number, for `u` the
//! outcome's; the legend says what each stands for), and
//! `holds_whatever`, the missing facts that would not change it.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::explain::outcome::explain_outcome;
use crate::explain::{ReasonKind, compose_reason};
use crate::result::json::{write_date, write_escaped, write_str, write_str_list, write_val};
use crate::result::{By, EvalResult, Interval, OutcomeResult, RulesInfo, Status, VersionInForce};
use crate::rules::format::ValueType;
use crate::rules::model::Value;
use crate::rules::tree::RuleTree;

/// The name and version of the legend's format, its first field.
pub const LEGEND_FORMAT: &str = "inforce-compact-legend/2";

/// Appends `result` as one compact line, without its line ending.
pub fn write_compact(result: &EvalResult, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"case\":");
    write_str(out, &result.case);
    out.extend_from_slice(b",\"date\":");
    write_date(out, result.date);
    out.extend_from_slice(b",\"digest\":");
    write_str(out, &result.rules.digest);
    out.extend_from_slice(b",\"rule_sets\":{");
    for (i, v) in result.rule_sets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        write_escaped(out, v.id.as_bytes());
        out.push(b'@');
        write_escaped(out, v.version.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(match v.applies {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        });
    }
    out.extend_from_slice(b"},\"outcomes\":{");
    for (i, (name, o)) in result.outcomes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, name);
        out.push(b':');
        write_outcome(out, o);
    }
    out.extend_from_slice(b"}}");
}

fn write_outcome(out: &mut Vec<u8>, o: &OutcomeResult) {
    out.extend_from_slice(b"{\"status\":\"");
    out.extend_from_slice(o.status.as_str().as_bytes());
    out.push(b'"');
    if o.status == Status::Decided {
        out.extend_from_slice(b",\"value\":");
        match &o.value {
            Some(v) => write_val(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    if !o.by.is_empty() {
        out.extend_from_slice(b",\"by\":[");
        for (i, b) in o.by.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_rule_key(out, b);
        }
        out.push(b']');
        if o.status == Status::Conflict {
            out.extend_from_slice(b",\"values\":[");
            for (i, b) in o.by.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match &b.value {
                    Some(v) => write_val(out, v),
                    None => out.extend_from_slice(b"null"),
                }
            }
            out.push(b']');
        }
    }
    if !o.needs.is_empty() {
        out.extend_from_slice(b",\"needs\":");
        write_str_list(out, &o.needs);
    }
    if o.status == Status::Undetermined {
        out.extend_from_slice(b",\"reason\":");
        write_str_list(out, &o.reason_codes);
        if !o.holds_whatever.is_empty() {
            out.extend_from_slice(b",\"holds_whatever\":");
            write_str_list(out, &o.holds_whatever);
        }
    }
    out.push(b'}');
}

/// `"SET@VERSION#RULE"`, as the legend's `by` keys name a rule.
fn write_rule_key(out: &mut Vec<u8>, b: &By) {
    out.push(b'"');
    write_escaped(out, b.rule_set.as_bytes());
    out.push(b'@');
    write_escaped(out, b.version.as_bytes());
    out.push(b'#');
    write_escaped(out, b.rule.as_bytes());
    out.push(b'"');
}

/// The texts behind the ids and codes of compact lines, for one rules
/// tree: written once beside a compact run (`out.legend.json`) and given
/// by `inforce timeline --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Legend {
    /// [`LEGEND_FORMAT`]: what this file is, and which version of it.
    pub legend: String,
    /// The rules tree the lines were evaluated against.
    pub rules: LegendRules,
    /// Every declared outcome, by name, with its type.
    pub outcomes: BTreeMap<String, LegendOutcome>,
    /// Every version of every rule set, in the order results list them,
    /// named as compact lines name them (`SET@VERSION`).
    pub rule_sets: Vec<LegendVersion>,
    /// Every rule, by `SET@VERSION#RULE`.
    pub by: BTreeMap<String, LegendRule>,
    /// Every reason code: what it stands for, and its words.
    pub reason: BTreeMap<String, LegendReason>,
}

/// A reason code as the legend describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendReason {
    /// `not_yet` (the rule set's first version is not yet in force),
    /// `repealed` (a repeal is in force), `lapsed` (its last version has
    /// ended), or `undecided` (in force, and no rule decides the outcome).
    pub kind: String,
    /// The version the reason is about, as `SET@VERSION`.
    pub rule_set: String,
    /// For `undecided`, the outcome no rule decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The reason as the full result words it.
    pub text: String,
}

/// Where the rules came from and their digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendRules {
    /// A path, or `embedded`.
    pub source: String,
    /// SHA-256 of the rule files' paths and texts; every compact line
    /// carries it too.
    pub digest: String,
}

/// An outcome as the legend describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendOutcome {
    /// The declared type: `bool`, `int`, `date`, `string` or `list`.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// What the outcome means, as declared.
    pub description: String,
}

/// A rule-set version as the legend describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendVersion {
    /// `SET@VERSION`, the key compact lines use.
    pub key: String,
    /// The rule set's id.
    pub id: String,
    /// The version's id.
    pub version: String,
    /// The version's title.
    pub title: String,
    /// The days the version is in force.
    pub in_force: LegendInterval,
    /// The act the version encodes.
    pub source: String,
    /// Whether the version is a repeal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeal: bool,
}

/// Days in force, from `from` up to but not including `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendInterval {
    /// The first day in force.
    pub from: NaiveDate,
    /// The first day no longer in force; absent: still in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

/// A rule as the legend describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendRule {
    /// The rule set's id.
    pub rule_set: String,
    /// The version's id.
    pub version: String,
    /// The rule's id.
    pub rule: String,
    /// What the rule rests on, as its `cite:` says.
    pub cite: String,
    /// What the explanation says a decision of the rule rests on.
    pub grounds: String,
}

impl Legend {
    /// The legend of `tree`.
    pub fn of(tree: &RuleTree) -> Legend {
        let mut rule_sets = Vec::new();
        let mut by = BTreeMap::new();
        let mut reason = BTreeMap::new();
        // Versions in the order results list them: rule sets as the tree
        // holds them, each one's versions in date order.
        for set in &tree.rule_sets {
            for v in &set.versions {
                let Some(w) = tree.wording.entry(v) else {
                    continue;
                };
                let f = w.in_force;
                rule_sets.push(LegendVersion {
                    key: w.key.to_string(),
                    id: f.id.to_string(),
                    version: f.version.to_string(),
                    title: f.title.to_string(),
                    in_force: LegendInterval {
                        from: f.in_force.from,
                        until: f.in_force.until,
                    },
                    source: f.source.to_string(),
                    repeal: f.repeal,
                });
                for r in w.reasons {
                    let outcome = match r.kind {
                        ReasonKind::Undecided(oid) => tree.outcome_names.get(oid).cloned(),
                        _ => None,
                    };
                    reason.insert(
                        r.code.to_string(),
                        LegendReason {
                            kind: r.kind.name().to_string(),
                            rule_set: w.key.to_string(),
                            outcome,
                            text: r.text.clone(),
                        },
                    );
                }
                for (key, b, grounds) in w.rules {
                    by.insert(
                        key.to_string(),
                        LegendRule {
                            rule_set: b.rule_set.to_string(),
                            version: b.version.to_string(),
                            rule: b.rule.to_string(),
                            cite: b.cite.to_string(),
                            grounds: grounds.to_string(),
                        },
                    );
                }
            }
        }
        Legend {
            legend: LEGEND_FORMAT.to_string(),
            rules: LegendRules {
                source: tree.source.clone(),
                digest: tree.digest.clone(),
            },
            outcomes: tree
                .outcomes
                .iter()
                .map(|(name, def)| {
                    (
                        name.clone(),
                        LegendOutcome {
                            ty: def.ty,
                            description: def.description.clone(),
                        },
                    )
                })
                .collect(),
            rule_sets,
            by,
            reason,
        }
    }

    /// Appends the full result (`eval --format json`, one line of `batch
    /// --output full`) of one compact line to `out`, without a line
    /// ending: the same bytes `batch` would have written. An error line
    /// (`{"line": N, "error": ...}`) is the same in both shapes and is
    /// copied as it is.
    pub fn expand(&self, line: &str, out: &mut Vec<u8>) -> Result<(), ExpandError> {
        let line = line.trim_end_matches(['\n', '\r']);
        if line.starts_with("{\"line\":") {
            out.extend_from_slice(line.as_bytes());
            return Ok(());
        }
        let compact: CompactLine =
            serde_json::from_str(line).map_err(|e| ExpandError::NotCompact(e.to_string()))?;
        let result = self.to_result(compact)?;
        crate::result::json::write_result(&result, out);
        Ok(())
    }

    fn to_result(&self, line: CompactLine) -> Result<EvalResult, ExpandError> {
        if line.digest != self.rules.digest {
            return Err(ExpandError::OtherRules {
                line: line.digest,
                legend: self.rules.digest.clone(),
            });
        }
        // Versions in the legend's order, which is the order results list
        // them in.
        let mut rule_sets = Vec::with_capacity(line.rule_sets.len());
        for (key, applies) in &line.rule_sets {
            let (at, v) = self
                .rule_sets
                .iter()
                .enumerate()
                .find(|(_, v)| &v.key == key)
                .ok_or_else(|| ExpandError::Unknown("rule-set version", key.clone()))?;
            rule_sets.push((
                at,
                VersionInForce {
                    id: Arc::from(v.id.as_str()),
                    version: Arc::from(v.version.as_str()),
                    title: Arc::from(v.title.as_str()),
                    in_force: Interval {
                        from: v.in_force.from,
                        until: v.in_force.until,
                    },
                    source: Arc::from(v.source.as_str()),
                    repeal: v.repeal,
                    applies: *applies,
                },
            ));
        }
        rule_sets.sort_by_key(|(at, _)| *at);

        let mut outcomes = BTreeMap::new();
        let mut explanation = Vec::with_capacity(line.outcomes.len());
        for (name, o) in line.outcomes {
            let def = self
                .outcomes
                .get(&name)
                .ok_or_else(|| ExpandError::Unknown("outcome", name.clone()))?;
            let (result, grounds) = self.outcome(def.ty, o)?;
            let grounds: Vec<&str> = grounds.iter().map(String::as_str).collect();
            explanation.push(explain_outcome(&name, &result, &grounds));
            outcomes.insert(name, result);
        }
        Ok(EvalResult {
            case: line.case,
            date: line.date,
            rules: RulesInfo {
                source: self.rules.source.clone(),
                digest: self.rules.digest.clone(),
            },
            rule_sets: rule_sets.into_iter().map(|(_, v)| v).collect(),
            outcomes,
            explanation,
            trace: None,
        })
    }

    /// One outcome of a compact line as the full result has it, with the
    /// grounds of the rules it rests on.
    fn outcome(
        &self,
        ty: ValueType,
        o: CompactOutcome,
    ) -> Result<(OutcomeResult, Vec<String>), ExpandError> {
        let status = match o.status.as_str() {
            "decided" => Status::Decided,
            "undetermined" => Status::Undetermined,
            "missing_facts" => Status::MissingFacts,
            "conflict" => Status::Conflict,
            other => return Err(ExpandError::Unknown("status", other.to_string())),
        };
        let mut by = Vec::with_capacity(o.by.len());
        let mut grounds = Vec::new();
        for (i, key) in o.by.iter().enumerate() {
            let r = self
                .by
                .get(key)
                .ok_or_else(|| ExpandError::Unknown("rule", key.clone()))?;
            let value = match status {
                // A rule's value that is `null` was none (the full result
                // leaves its `value` out).
                Status::Conflict => match o.values.get(i) {
                    Some(serde_json::Value::Null) => None,
                    Some(v) => Some(value_of(ty, v)?),
                    None => {
                        return Err(ExpandError::NotCompact(format!(
                            "the conflict has {} rules and {} values",
                            o.by.len(),
                            o.values.len()
                        )));
                    }
                },
                _ => None,
            };
            if status == Status::Decided {
                grounds.push(r.grounds.clone());
            }
            by.push(By {
                rule: Arc::from(r.rule.as_str()),
                rule_set: Arc::from(r.rule_set.as_str()),
                version: Arc::from(r.version.as_str()),
                cite: Arc::from(r.cite.as_str()),
                value,
            });
        }
        let reason = match status {
            Status::Undetermined => {
                let mut parts = Vec::with_capacity(o.reason.len());
                for code in &o.reason {
                    let reason = self
                        .reason
                        .get(code)
                        .ok_or_else(|| ExpandError::Unknown("reason code", code.clone()))?;
                    parts.push(reason.text.as_str());
                }
                Some(compose_reason(parts, &o.holds_whatever))
            }
            _ => None,
        };
        let value = match status {
            Status::Decided => Some(value_of(ty, &o.value)?),
            _ => None,
        };
        Ok((
            OutcomeResult {
                status,
                value,
                by,
                needs: o.needs,
                reason,
                reason_codes: o.reason.into_iter().map(Arc::from).collect(),
                holds_whatever: o.holds_whatever,
            },
            grounds,
        ))
    }
}

/// A value of a compact line, read as the outcome's declared type says.
fn value_of(ty: ValueType, v: &serde_json::Value) -> Result<Value, ExpandError> {
    use serde_json::Value as J;
    let bad = || ExpandError::NotCompact(format!("`{v}` is not a value of type {ty:?}"));
    Ok(match (ty, v) {
        (_, J::Null) => Value::Null,
        (ValueType::Bool, J::Bool(b)) => Value::Bool(*b),
        (ValueType::Int, J::Number(n)) => Value::Int(n.as_i64().ok_or_else(bad)?),
        (ValueType::Date, J::String(s)) => Value::Date(s.parse::<NaiveDate>().map_err(|_| bad())?),
        (ValueType::String, J::String(s)) => Value::Str(s.clone()),
        (ValueType::List, J::Array(items)) => Value::List(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(bad()),
    })
}

/// A compact line as read back.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompactLine {
    case: String,
    date: NaiveDate,
    digest: String,
    rule_sets: BTreeMap<String, Option<bool>>,
    outcomes: BTreeMap<String, CompactOutcome>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompactOutcome {
    status: String,
    /// `null` both when the line has `"value": null` (a decided value of
    /// none) and when it has no value: the status says which.
    #[serde(default)]
    value: serde_json::Value,
    #[serde(default)]
    by: Vec<String>,
    #[serde(default)]
    values: Vec<serde_json::Value>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    reason: Vec<String>,
    #[serde(default)]
    holds_whatever: Vec<String>,
}

/// Why a compact line does not expand.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExpandError {
    /// The line is not JSON, or not a compact result.
    #[error("the line is not a compact result: {0}")]
    #[diagnostic(
        code(inforce::expand::not_compact),
        help("give the lines `inforce batch --output compact` wrote, unchanged")
    )]
    NotCompact(String),
    /// The line was evaluated against other rules than the legend's.
    #[error("the line was evaluated against rules `{line}`, the legend is of rules `{legend}`")]
    #[diagnostic(
        code(inforce::expand::other_rules),
        help(
            "use the legend written beside the lines (`OUT.legend.json`), or `inforce timeline --format json` of the same rules"
        )
    )]
    OtherRules {
        /// The line's digest.
        line: String,
        /// The legend's digest.
        legend: String,
    },
    /// The line names something the legend does not have.
    #[error("the legend has no {0} `{1}`")]
    #[diagnostic(
        code(inforce::expand::unknown),
        help("use the legend written beside the lines (`OUT.legend.json`)")
    )]
    Unknown(&'static str, String),
}
