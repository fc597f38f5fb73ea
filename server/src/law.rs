//! The law as the API shows it: the timeline, each rule set's versions,
//! one version's rules with cite, summary and notes (the rule explorer),
//! the declared facts and outcomes (the case form), and the case schema.
//! Written once per tree, when it is loaded. Not here: evaluating cases.

use std::collections::BTreeMap;

use axum::body::Bytes;
use chrono::NaiveDate;
use inforce_engine::model::{FactDef, OutcomeDef, Rule, Then, Version};
use inforce_engine::{RuleTree, timeline};
use serde::Serialize;
use serde_json::json;

/// `{source, digest}` as every body gives it.
pub fn rules_of(tree: &RuleTree) -> serde_json::Value {
    json!({"source": tree.source, "digest": tree.digest})
}

fn bytes(v: &impl Serialize) -> Bytes {
    Bytes::from(serde_json::to_vec(v).unwrap_or_default())
}

/// `GET /v1/timeline`: the same document as `inforce timeline --format json`.
pub fn timeline_json(tree: &RuleTree) -> Bytes {
    let legend = inforce_engine::lines::Legend::of(tree);
    bytes(&json!({"rules": rules_of(tree), "rule_sets": timeline(tree), "legend": legend}))
}

#[derive(Serialize)]
struct InForce {
    from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<NaiveDate>,
}

#[derive(Serialize)]
struct VersionSummary<'a> {
    version: &'a str,
    title: &'a str,
    in_force: InForce,
    source: &'a inforce_engine::model::SourceInfo,
    repeal: Option<&'a inforce_engine::model::RepealInfo>,
    rules: usize,
}

fn summary(v: &Version) -> VersionSummary<'_> {
    VersionSummary {
        version: &v.id,
        title: &v.title,
        in_force: InForce {
            from: v.from,
            until: v.until,
        },
        source: &v.source,
        repeal: v.repeal.as_ref(),
        rules: v.rules.len(),
    }
}

/// `GET /v1/rule-sets`: every rule set with its versions.
pub fn rule_sets_json(tree: &RuleTree) -> Bytes {
    let sets: Vec<serde_json::Value> = tree
        .rule_sets
        .iter()
        .map(|s| {
            let versions: Vec<VersionSummary<'_>> = s.versions.iter().map(summary).collect();
            json!({"id": s.id, "versions": versions})
        })
        .collect();
    bytes(&json!({"rules": rules_of(tree), "rule_sets": sets}))
}

#[derive(Serialize)]
struct RuleView<'a> {
    id: &'a str,
    cite: &'a str,
    summary: Option<&'a str>,
    note: Option<&'a str>,
    when: Option<&'a str>,
    then: BTreeMap<&'a str, serde_json::Value>,
    exception_to: &'a [String],
}

fn rule_view(r: &Rule) -> RuleView<'_> {
    RuleView {
        id: &r.id,
        cite: &r.cite,
        summary: r.summary.as_deref(),
        note: r.note.as_deref(),
        when: r.when.as_ref().map(|c| c.text.as_str()),
        then: r
            .then
            .iter()
            .map(|(name, then)| {
                let v = match then {
                    Then::Literal(v) => serde_json::to_value(v).unwrap_or_default(),
                    Then::Expr { text, .. } => json!({"expr": text}),
                };
                (name.as_str(), v)
            })
            .collect(),
        exception_to: &r.exception_to,
    }
}

/// `GET /v1/rule-sets/{id}/{version}`, or `None` when there is no such
/// version.
pub fn version_json(tree: &RuleTree, id: &str, version: &str) -> Option<Bytes> {
    let set = tree.rule_sets.iter().find(|s| s.id == id)?;
    let v = set.versions.iter().find(|v| v.id == version)?;
    let rules: Vec<RuleView<'_>> = v.rules.iter().map(rule_view).collect();
    Some(bytes(&json!({
        "rules": rules_of(tree),
        "id": set.id,
        "version": v.id,
        "title": v.title,
        "file": v.file,
        "in_force": InForce { from: v.from, until: v.until },
        "source": v.source,
        "notes": v.notes,
        "repeal": v.repeal,
        "applies_when": v.applies_when.as_ref().map(|c| c.text.as_str()),
        "rule_list": rules,
    })))
}

#[derive(Serialize)]
struct FactView<'a> {
    name: &'a str,
    group: &'a str,
    #[serde(rename = "type")]
    ty: serde_json::Value,
    values: Option<&'a [String]>,
    codes: Option<&'a BTreeMap<String, String>>,
    code_list: Option<&'a str>,
    pattern: Option<&'a str>,
    null_means: serde_json::Value,
    description: &'a str,
}

fn fact_view(f: &FactDef) -> FactView<'_> {
    FactView {
        name: &f.name,
        group: f.name.split_once('.').map_or("", |(g, _)| g),
        ty: serde_json::to_value(f.ty).unwrap_or_default(),
        values: f.values.as_deref(),
        codes: f.code_list.as_ref().map(|c| &c.codes),
        code_list: f.code_list.as_ref().map(|c| c.title.as_str()),
        pattern: f.pattern.as_ref().map(|p| p.text.as_str()),
        null_means: serde_json::to_value(f.null_means).unwrap_or_default(),
        description: &f.description,
    }
}

#[derive(Serialize)]
struct OutcomeView<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: serde_json::Value,
    values: Option<&'a [String]>,
    description: &'a str,
}

fn outcome_view(o: &OutcomeDef) -> OutcomeView<'_> {
    OutcomeView {
        name: &o.name,
        ty: serde_json::to_value(o.ty).unwrap_or_default(),
        values: o.values.as_deref(),
        description: &o.description,
    }
}

/// `GET /v1/vocabulary`: the declared facts, grouped in declaration
/// order, and outcomes, for a form that asks for them.
pub fn vocabulary_json(tree: &RuleTree) -> Bytes {
    let facts: Vec<FactView<'_>> = tree
        .groups
        .iter()
        .flat_map(|g| {
            tree.facts
                .values()
                .filter(move |f| f.name.split_once('.').is_some_and(|(fg, _)| fg == g))
        })
        .map(fact_view)
        .collect();
    let outcomes: Vec<OutcomeView<'_>> = tree.outcomes.values().map(outcome_view).collect();
    bytes(&json!({
        "rules": rules_of(tree),
        "groups": tree.groups,
        "facts": facts,
        "outcomes": outcomes,
    }))
}

/// `GET /v1/schema/case`: the same schema as `inforce schema case`.
pub fn case_schema_json(tree: &RuleTree) -> Bytes {
    bytes(&inforce_engine::case_schema(tree))
}
