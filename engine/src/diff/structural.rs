//! Structural comparison: rule sets, versions and rules added, removed,
//! renamed or changed, field by field, and declarations of facts,
//! outcomes, checks and code lists. Compares the loaded model, not the YAML text, so reordered keys
//! and comments are no change.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    ChangeKind, DeclarationChange, FieldChange, RuleChange, RuleSetChange, Structural,
    VersionChange,
};
use super::words;
use crate::rules::format::{Combine, NullMeans, ValueType};
use crate::rules::model::{CodeList, Rule, RuleSet, Then, Version};
use crate::rules::tree::RuleTree;

pub fn compare(old: &RuleTree, new: &RuleTree) -> Structural {
    Structural {
        declarations: declarations(old, new),
        rule_sets: rule_sets(old, new),
    }
}

fn declarations(old: &RuleTree, new: &RuleTree) -> Vec<DeclarationChange> {
    let mut out = Vec::new();
    let facts = |t: &RuleTree| -> BTreeMap<String, Vec<Text>> {
        t.facts
            .values()
            .map(|f| {
                (
                    f.name.clone(),
                    vec![
                        prose("type", ty(f.ty)),
                        prose("values", values(&f.values)),
                        prose(
                            "code_list",
                            f.code_list
                                .as_ref()
                                .map(|c| c.id.clone())
                                .unwrap_or_default(),
                        ),
                        prose(
                            "pattern",
                            f.pattern
                                .as_ref()
                                .map(|p| p.text.clone())
                                .unwrap_or_default(),
                        ),
                        prose(
                            "null_means",
                            match f.null_means {
                                NullMeans::None => "none".to_string(),
                                // The default: shown only when it changes.
                                NullMeans::Unknown => String::new(),
                            },
                        ),
                        prose("description", f.description.clone()),
                    ],
                )
            })
            .collect()
    };
    let outcomes = |t: &RuleTree| -> BTreeMap<String, Vec<Text>> {
        t.outcomes
            .values()
            .map(|o| {
                (
                    o.name.clone(),
                    vec![
                        prose("type", ty(o.ty)),
                        prose("values", values(&o.values)),
                        prose(
                            "combine",
                            if o.combine == Combine::Union {
                                "union"
                            } else {
                                "single"
                            }
                            .to_string(),
                        ),
                        prose("description", o.description.clone()),
                    ],
                )
            })
            .collect()
    };
    let checks = |t: &RuleTree| -> BTreeMap<String, Vec<Text>> {
        t.checks
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    vec![
                        // A check's condition is a script: word by word, as a rule's.
                        ("holds".to_string(), c.condition.text.clone(), true),
                        prose("message", c.message.clone()),
                        prose("help", c.help.clone().unwrap_or_default()),
                    ],
                )
            })
            .collect()
    };
    for (kind, a, b) in [
        ("fact", facts(old), facts(new)),
        ("outcome", outcomes(old), outcomes(new)),
        ("check", checks(old), checks(new)),
    ] {
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for name in names {
            let (change, fields) = match (a.get(name), b.get(name)) {
                (Some(x), Some(y)) => (ChangeKind::Changed, fields_changes(x, y)),
                (None, Some(y)) => (ChangeKind::Added, fields_changes(&[], y)),
                (Some(x), None) => (ChangeKind::Removed, fields_changes(x, &[])),
                (None, None) => continue,
            };
            if change == ChangeKind::Changed && fields.is_empty() {
                continue;
            }
            out.push(DeclarationChange {
                kind,
                name: name.clone(),
                change,
                fields,
            });
        }
    }
    out.extend(code_lists(old, new));
    out
}

/// Code lists added, removed or changed: a changed list shows each code
/// added, removed or renamed (a code is a field of its own, so one changed
/// code among hundreds is one line); an added or removed list its size.
fn code_lists(old: &RuleTree, new: &RuleTree) -> Vec<DeclarationChange> {
    let by_id = |t: &RuleTree| -> BTreeMap<String, std::sync::Arc<CodeList>> {
        t.code_lists
            .iter()
            .map(|c| (c.id.clone(), std::sync::Arc::clone(c)))
            .collect()
    };
    let (a, b) = (by_id(old), by_id(new));
    let entry = |c: &CodeList, code: &str| -> Option<String> {
        let name = c.codes.get(code)?;
        let aliases: Vec<&str> = c
            .aliases
            .iter()
            .filter(|(_, to)| to.as_str() == code)
            .map(|(alias, _)| alias.as_str())
            .collect();
        Some(if aliases.is_empty() {
            name.clone()
        } else {
            format!("{name} (aliases: {})", aliases.join(", "))
        })
    };
    let summary = |c: &CodeList| format!("{} codes", c.codes.len());
    let ids: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (change, fields) = match (a.get(id), b.get(id)) {
            (Some(x), Some(y)) => {
                let mut fields: Vec<FieldChange> = [
                    field("title", Some(x.title.clone()), Some(y.title.clone()), false),
                    field(
                        "source",
                        Some(x.source.clone()),
                        Some(y.source.clone()),
                        false,
                    ),
                ]
                .into_iter()
                .flatten()
                .collect();
                let codes: BTreeSet<&String> = x.codes.keys().chain(y.codes.keys()).collect();
                fields.extend(codes.into_iter().filter_map(|code| {
                    field(
                        &format!("code {code}"),
                        entry(x, code),
                        entry(y, code),
                        false,
                    )
                }));
                (ChangeKind::Changed, fields)
            }
            (None, Some(y)) => (
                ChangeKind::Added,
                vec![FieldChange {
                    field: "codes".to_string(),
                    old: None,
                    new: Some(summary(y)),
                    words: None,
                }],
            ),
            (Some(x), None) => (
                ChangeKind::Removed,
                vec![FieldChange {
                    field: "codes".to_string(),
                    old: Some(summary(x)),
                    new: None,
                    words: None,
                }],
            ),
            (None, None) => continue,
        };
        if change == ChangeKind::Changed && fields.is_empty() {
            continue;
        }
        out.push(DeclarationChange {
            kind: "code list",
            name: id.clone(),
            change,
            fields,
        });
    }
    out
}

fn ty(t: ValueType) -> String {
    match t {
        ValueType::Bool => "bool",
        ValueType::Int => "int",
        ValueType::Date => "date",
        ValueType::String => "string",
        ValueType::List => "list",
    }
    .to_string()
}

fn values(v: &Option<Vec<String>>) -> String {
    v.as_ref()
        .map(|v| format!("[{}]", v.join(", ")))
        .unwrap_or_default()
}

/// A field of a declaration, version or rule as (name, text, is script);
/// an empty text is a field not set.
type Text = (String, String, bool);

/// A field whose text is prose or a plain value, not a script.
fn prose(name: &str, text: String) -> Text {
    (name.to_string(), text, false)
}

/// A field change if the texts differ; scripts also get a word diff.
fn field(
    name: &str,
    old: Option<String>,
    new: Option<String>,
    script: bool,
) -> Option<FieldChange> {
    if old == new {
        return None;
    }
    let words = match (&old, &new) {
        (Some(a), Some(b)) if script => Some(words::diff(a, b)),
        _ => None,
    };
    Some(FieldChange {
        field: name.to_string(),
        old,
        new,
        words,
    })
}

/// Every semantic field of a version except its rules.
fn version_fields(v: &Version) -> Vec<Text> {
    let mut f = vec![
        prose("title", v.title.clone()),
        prose("in_force.from", v.from.to_string()),
        prose(
            "in_force.until",
            v.until.map(|d| d.to_string()).unwrap_or_default(),
        ),
        prose("source.act", v.source.act.clone()),
        prose("source.number", v.source.number.clone().unwrap_or_default()),
        prose(
            "source.date",
            v.source.date.map(|d| d.to_string()).unwrap_or_default(),
        ),
        prose("source.read_at", v.source.read_at.clone()),
        prose("source.url", v.source.url.clone().unwrap_or_default()),
        (
            "applies_when".to_string(),
            v.applies_when
                .as_ref()
                .map(|c| c.text.clone())
                .unwrap_or_default(),
            true,
        ),
    ];
    for (i, note) in v.notes.iter().enumerate() {
        f.push((format!("notes[{i}]"), note.clone(), false));
    }
    for (o, c) in &v.scope {
        f.push((format!("scope.{o}"), c.text.clone(), true));
    }
    for (o, why) in &v.silent_on {
        f.push((format!("silent_on.{o}"), why.clone(), false));
    }
    for m in &v.more_specific_than {
        let outcomes = m
            .outcomes
            .as_ref()
            .map(|os| os.iter().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| "every outcome".to_string());
        f.push((
            format!("precedence.more_specific_than.{}", m.rule_set),
            outcomes,
            false,
        ));
    }
    if let Some(r) = &v.repeal {
        f.push(prose("repeal.repeals", r.repeals.clone()));
        f.push(prose("repeal.note", r.note.clone().unwrap_or_default()));
    }
    f
}

/// Every semantic field of a rule except its id.
fn rule_fields(r: &Rule) -> Vec<Text> {
    let mut f = vec![
        prose("cite", r.cite.clone()),
        prose("summary", r.summary.clone().unwrap_or_default()),
        (
            "when".to_string(),
            r.when.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
            true,
        ),
    ];
    let mut then: Vec<&(String, Then)> = r.then.iter().collect();
    then.sort_by(|a, b| a.0.cmp(&b.0));
    for (o, t) in then {
        let (text, script) = match t {
            Then::Literal(v) => (serde_json::to_string(v).unwrap_or_default(), false),
            Then::Expr { text, .. } => (format!("expr: {text}"), true),
        };
        f.push((format!("then.{o}"), text, script));
    }
    let mut exceptions = r.exception_to.clone();
    exceptions.sort();
    f.push(prose("exception_to", exceptions.join(", ")));
    f.push(prose("note", r.note.clone().unwrap_or_default()));
    f
}

/// Field changes between two lists of fields, in the order the fields
/// first appear (old side first); a field set on one side only is added or
/// removed.
fn fields_changes(old: &[Text], new: &[Text]) -> Vec<FieldChange> {
    let get = |list: &[Text], k: &str| {
        list.iter()
            .find(|(n, v, _)| n == k && !v.is_empty())
            .map(|(_, v, s)| (v.clone(), *s))
    };
    let mut seen = BTreeSet::new();
    old.iter()
        .chain(new.iter())
        .map(|(k, _, _)| k.clone())
        .filter(|k| seen.insert(k.clone()))
        .filter_map(|k| {
            let a = get(old, &k);
            let b = get(new, &k);
            let script = a.as_ref().or(b.as_ref()).is_some_and(|(_, s)| *s);
            field(&k, a.map(|(v, _)| v), b.map(|(v, _)| v), script)
        })
        .collect()
}

/// Fields of a version that say what it decides; the rest (dates, title,
/// source, notes) describe it. The timeline shows the dates itself.
const MEANING: [&str; 5] = [
    "applies_when",
    "scope.",
    "silent_on.",
    "precedence.",
    "repeal.",
];

/// A canonical text of what a version decides: equal for two versions
/// exactly when their conditions, scopes, precedence and rules are. Used by
/// the timeline comparison, which reports the dates itself.
pub fn fingerprint(v: &Version) -> String {
    let mut parts: Vec<String> = version_fields(v)
        .into_iter()
        .filter(|(k, _, _)| MEANING.iter().any(|m| k.starts_with(m)))
        .map(|(k, val, _)| format!("{k}={val}"))
        .collect();
    // Rules by content, not by id: renaming a rule changes no decision.
    let mut rules: Vec<String> = v
        .rules
        .iter()
        .map(|r| {
            // A rule's summary and note explain it; they decide nothing.
            rule_fields(r)
                .into_iter()
                .filter(|(k, _, _)| k != "summary" && k != "note")
                .map(|(k, val, _)| format!("  {k}={val}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    rules.sort();
    parts.extend(rules);
    parts.join("\n")
}

fn rule_sets(old: &RuleTree, new: &RuleTree) -> Vec<RuleSetChange> {
    fn by_id(t: &RuleTree) -> BTreeMap<String, &RuleSet> {
        t.rule_sets.iter().map(|s| (s.id.clone(), s)).collect()
    }
    let (a, b) = (by_id(old), by_id(new));
    let ids: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (change, versions) = match (a.get(id), b.get(id)) {
            (Some(x), Some(y)) => (ChangeKind::Changed, versions(&x.versions, &y.versions)),
            (None, Some(y)) => (ChangeKind::Added, versions(&[], &y.versions)),
            (Some(x), None) => (ChangeKind::Removed, versions(&x.versions, &[])),
            (None, None) => continue,
        };
        if change == ChangeKind::Changed && versions.is_empty() {
            continue;
        }
        out.push(RuleSetChange {
            id: id.clone(),
            change,
            versions,
        });
    }
    out
}

/// A version only on the new side that is an old-side version under a new
/// id: the pairs, old id to new id. A version's id is usually its start
/// date, so moving the date renames it; showing it as removed and added
/// would list every rule twice. Paired when at least half of the rules
/// (by id) of the larger of the two are in both (versions without rules:
/// when their titles are the same), each old version at most once, most
/// shared rules first.
pub(crate) fn renamed_versions<'a>(
    old: &'a [Version],
    new: &'a [Version],
) -> Vec<(&'a str, &'a str)> {
    let only_old: Vec<&Version> = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.id == o.id))
        .collect();
    let only_new: Vec<&Version> = new
        .iter()
        .filter(|n| !old.iter().any(|o| o.id == n.id))
        .collect();
    let mut candidates: Vec<(usize, &str, &str)> = Vec::new();
    for n in &only_new {
        for o in &only_old {
            let shared = n
                .rules
                .iter()
                .filter(|r| o.rules.iter().any(|q| q.id == r.id))
                .count();
            let larger = n.rules.len().max(o.rules.len());
            let same_kind = n.repeal.is_some() == o.repeal.is_some();
            // Versions without rules (repeals) pair by their title.
            let alike = if larger == 0 {
                n.title == o.title
            } else {
                shared * 2 >= larger
            };
            if same_kind && alike {
                candidates.push((shared, o.id.as_str(), n.id.as_str()));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)).then(x.2.cmp(y.2)));
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (_, o, n) in candidates {
        if !pairs.iter().any(|(po, pn)| *po == o || *pn == n) {
            pairs.push((o, n));
        }
    }
    pairs
}

fn versions(old: &[Version], new: &[Version]) -> Vec<VersionChange> {
    let renamed = renamed_versions(old, new);
    let ids: BTreeSet<&String> = old
        .iter()
        .map(|v| &v.id)
        .filter(|id| !renamed.iter().any(|(o, _)| o == id))
        .chain(new.iter().map(|v| &v.id))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let old_id = renamed
            .iter()
            .find(|(_, n)| *n == id.as_str())
            .map(|(o, _)| *o);
        let a = old.iter().find(|v| v.id == *old_id.unwrap_or(id));
        let b = new.iter().find(|v| &v.id == id);
        let (change, fields, rules) = match (a, b) {
            (Some(x), Some(y)) => (
                if old_id.is_some() {
                    ChangeKind::Renamed
                } else {
                    ChangeKind::Changed
                },
                fields_changes(&version_fields(x), &version_fields(y)),
                rules(&x.rules, &y.rules),
            ),
            (None, Some(y)) => (
                ChangeKind::Added,
                fields_changes(&[], &version_fields(y)),
                rules(&[], &y.rules),
            ),
            (Some(x), None) => (
                ChangeKind::Removed,
                fields_changes(&version_fields(x), &[]),
                rules(&x.rules, &[]),
            ),
            (None, None) => continue,
        };
        if change == ChangeKind::Changed && fields.is_empty() && rules.is_empty() {
            continue;
        }
        let shown = b.or(a);
        out.push(VersionChange {
            version: id.clone(),
            change,
            old_version: old_id.map(str::to_string),
            title: shown.map(|v| v.title.clone()).unwrap_or_default(),
            old_file: a.map(|v| v.file.clone()),
            new_file: b.map(|v| v.file.clone()),
            fields,
            rules,
        });
    }
    out.sort_by(|x, y| x.version.cmp(&y.version));
    out
}

fn rules(old: &[Rule], new: &[Rule]) -> Vec<RuleChange> {
    let mut out = Vec::new();
    let mut removed: Vec<&Rule> = Vec::new();
    let mut added: Vec<&Rule> = Vec::new();
    for r in old {
        match new.iter().find(|n| n.id == r.id) {
            Some(n) => {
                let fields = fields_changes(&rule_fields(r), &rule_fields(n));
                if !fields.is_empty() {
                    out.push(RuleChange {
                        id: r.id.clone(),
                        change: ChangeKind::Changed,
                        old_id: None,
                        cite: n.cite.clone(),
                        fields,
                    });
                }
            }
            None => removed.push(r),
        }
    }
    for n in new {
        if !old.iter().any(|r| r.id == n.id) {
            added.push(n);
        }
    }
    // A removed and an added rule with the same citation and content are
    // one rule under a new id.
    let mut renamed_old = BTreeSet::new();
    for n in &added {
        let twin = removed
            .iter()
            .find(|r| !renamed_old.contains(&r.id) && rule_fields(r) == rule_fields(n));
        match twin {
            Some(r) => {
                renamed_old.insert(r.id.clone());
                out.push(RuleChange {
                    id: n.id.clone(),
                    change: ChangeKind::Renamed,
                    old_id: Some(r.id.clone()),
                    cite: n.cite.clone(),
                    fields: Vec::new(),
                });
            }
            None => out.push(RuleChange {
                id: n.id.clone(),
                change: ChangeKind::Added,
                old_id: None,
                cite: n.cite.clone(),
                fields: fields_changes(&[], &rule_fields(n)),
            }),
        }
    }
    for r in removed.into_iter().filter(|r| !renamed_old.contains(&r.id)) {
        out.push(RuleChange {
            id: r.id.clone(),
            change: ChangeKind::Removed,
            old_id: None,
            cite: r.cite.clone(),
            fields: fields_changes(&rule_fields(r), &[]),
        });
    }
    out
}
