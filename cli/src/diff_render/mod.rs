//! Rendering an `inforce diff` result (`RulesDiff`) for people: plain or
//! coloured text for a terminal, Markdown for a pull-request comment. The
//! JSON form is the model itself, serialised by the command. Here: the
//! pieces both renderers say the same way (counts, outcome values, who
//! decided). Every text from the rule files or cases is escaped
//! (`text_safe`) before either renderer lays it out. Not here: computing
//! the diff (the engine's `diff` module).

pub mod markdown;
pub mod text;

use chrono::NaiveDate;
use inforce_engine::diff::{ChangeKind, FieldChange, RulesDiff, Summary};
use inforce_engine::{By, OutcomeResult, Status};

use crate::text_safe::line;

/// Output format of `inforce diff`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// For a terminal (colour) or a log (changed words marked).
    #[default]
    Text,
    /// Ready to paste as a pull-request comment.
    Markdown,
    /// The diff model, the stable machine-readable form.
    Json,
}

/// `1 rule` / `2 rules`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first 12 characters of a digest, as `eval` shows it.
pub fn short_digest(d: &str) -> &str {
    d.get(..12).unwrap_or(d)
}

/// `1 added, 2 changed` from (count, word) pairs, leaving out zeros;
/// `None` when all are zero.
fn parts(items: &[(usize, &str)]) -> Option<String> {
    let shown: Vec<String> = items
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
    (!shown.is_empty()).then(|| shown.join(", "))
}

/// The summary's structural and timeline counts as (what, counts in
/// words), leaving out what did not change at all.
pub fn summary_lines(s: &Summary) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let rows: [(&'static str, Option<String>); 5] = [
        (
            "rule sets",
            parts(&[
                (s.rule_sets_added, "added"),
                (s.rule_sets_removed, "removed"),
                (s.rule_sets_changed, "changed"),
            ]),
        ),
        (
            "versions",
            parts(&[
                (s.versions_added, "added"),
                (s.versions_removed, "removed"),
                (s.versions_renamed, "renamed"),
                (s.versions_changed, "changed"),
            ]),
        ),
        (
            "rules",
            parts(&[
                (s.rules_added, "added"),
                (s.rules_removed, "removed"),
                (s.rules_renamed, "renamed"),
                (s.rules_changed, "changed"),
            ]),
        ),
        (
            "declarations",
            parts(&[(s.declarations_changed, "changed")]),
        ),
        (
            "timeline",
            (s.timeline_changes > 0).then(|| {
                format!(
                    "{} where the law in force differs",
                    count(s.timeline_changes, "interval", "intervals")
                )
            }),
        ),
    ];
    for (what, words) in rows {
        if let Some(words) = words {
            out.push((what, words));
        }
    }
    out
}

/// The behavioural verdict in one sentence. A change with no effect on
/// meaning (reordered keys, comments) must say plainly that nothing decides
/// differently.
pub fn behaviour_sentence(d: &RulesDiff) -> String {
    let s = &d.summary;
    let mut out = if s.cases_changed == 0 {
        format!(
            "no behavioural change: {} the same under both",
            count(s.cases_compared, "case decides", "cases decide")
        )
    } else {
        format!(
            "{} of {} compared {} {} differently",
            s.cases_changed,
            s.cases_compared,
            if s.cases_compared == 1 {
                "case"
            } else {
                "cases"
            },
            if s.cases_changed == 1 {
                "decides"
            } else {
                "decide"
            }
        )
    };
    if s.case_errors > 0 {
        out.push_str(&format!(
            "; {} could not be evaluated on one side",
            count(s.case_errors, "case", "cases")
        ));
    }
    out
}

/// The sentence for a diff where nothing differs.
pub fn nothing_sentence(d: &RulesDiff) -> String {
    let same_files = if d.old.digest == d.new.digest {
        "the rule files are identical"
    } else {
        "the rule files differ only in form (layout, order, comments)"
    };
    format!(
        "Nothing differs: {same_files}; no structural, timeline or behavioural change; {} the same under both.",
        count(d.summary.cases_compared, "case decides", "cases decide")
    )
}

/// An outcome's status and value on one side (escaped for printing): `yes`, `missing facts: a, b`,
/// `undetermined`, `conflict`, or `not answered` when the side has no such
/// outcome for the case.
pub fn outcome_value(side: Option<&OutcomeResult>) -> String {
    let Some(o) = side else {
        return "not answered".to_string();
    };
    match o.status {
        Status::Decided => o
            .value
            .as_ref()
            .map(|v| line(&v.to_string()).into_owned())
            .unwrap_or_else(|| "decided".to_string()),
        Status::MissingFacts if !o.needs.is_empty() => {
            format!("missing facts: {}", line(&o.needs.join(", ")))
        }
        Status::Undetermined | Status::MissingFacts | Status::Conflict => {
            o.status.as_str().replace('_', " ")
        }
    }
}

/// What a deciding rule said, for a conflict: ` says no`.
pub fn says(b: &By) -> String {
    b.value
        .as_ref()
        .map(|v| format!(" says {}", line(&v.to_string())))
        .unwrap_or_default()
}

/// Who or what decided an outcome on one side: the rules, each rendered by
/// `rule`, or the reason nothing did. `None` when there is nothing to add
/// to the outcome's value (not answered, or missing facts already listed).
pub fn decided_by(side: Option<&OutcomeResult>, rule: impl Fn(&By) -> String) -> Option<String> {
    let o = side?;
    if !o.by.is_empty() {
        // Citations contain "and" themselves; a semicolon keeps rules apart.
        return Some(o.by.iter().map(rule).collect::<Vec<_>>().join("; "));
    }
    o.reason.as_deref().map(|r| line(r).into_owned())
}

/// Whether a change is of a whole thing (added or removed), whose fields
/// are then values rather than old → new.
pub fn is_whole(c: ChangeKind) -> bool {
    matches!(c, ChangeKind::Added | ChangeKind::Removed)
}

/// The value of a field of a whole thing added or removed: whichever side
/// it has.
pub fn whole_value(f: &FieldChange) -> Option<&str> {
    f.new.as_deref().or(f.old.as_deref())
}

/// The end of a timeline interval: its date, or `…` when it is open-ended.
pub fn until(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "…".to_string(), |d| d.to_string())
}

/// The fields worth showing under a version, rule or declaration. For one
/// added or removed whole, its heading already shows `in_heading` (the
/// title or citation), so that field is left out.
pub fn shown_fields<'a>(
    fields: &'a [FieldChange],
    parent: ChangeKind,
    in_heading: &str,
) -> Vec<&'a FieldChange> {
    fields
        .iter()
        .filter(|f| !(is_whole(parent) && f.field == in_heading))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::NaiveDate;
    use inforce_engine::Value;
    use inforce_engine::diff::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A diff with nothing in it, as for two identical trees.
    pub fn empty_diff() -> RulesDiff {
        RulesDiff {
            old: Side {
                label: "HEAD~1".into(),
                digest: "0123456789abcdef0123".into(),
            },
            new: Side {
                label: "HEAD".into(),
                digest: "0123456789abcdef0123".into(),
            },
            summary: Summary {
                cases_compared: 42,
                ..Summary::default()
            },
            structural: Structural::default(),
            timeline: Vec::new(),
            behaviour: Behaviour {
                cases: 42,
                ..Behaviour::default()
            },
        }
    }

    /// A diff with one changed condition, an added version, a timeline
    /// change and one case that decides differently.
    pub fn sample_diff() -> RulesDiff {
        let by = |rule: &str, cite: &str| By {
            rule: rule.into(),
            rule_set: "kz.citizens-departure".into(),
            version: "2001-07-26".into(),
            cite: cite.into(),
            value: None,
        };
        RulesDiff {
            old: Side {
                label: "HEAD~1".into(),
                digest: "aaaaaaaaaaaaaaaaaaaa".into(),
            },
            new: Side {
                label: "HEAD".into(),
                digest: "bbbbbbbbbbbbbbbbbbbb".into(),
            },
            summary: Summary {
                rule_sets_changed: 1,
                versions_added: 1,
                versions_changed: 1,
                rules_changed: 1,
                declarations_changed: 1,
                timeline_changes: 1,
                cases_compared: 42,
                cases_changed: 1,
                ..Summary::default()
            },
            structural: Structural {
                declarations: vec![DeclarationChange {
                    kind: "fact",
                    name: "person.age".into(),
                    change: ChangeKind::Changed,
                    fields: vec![FieldChange {
                        field: "description".into(),
                        old: Some("Age".into()),
                        new: Some("Age in years".into()),
                        words: None,
                    }],
                }],
                rule_sets: vec![RuleSetChange {
                    id: "kz.citizens-departure".into(),
                    change: ChangeKind::Changed,
                    versions: vec![
                        VersionChange {
                            version: "2001-07-26".into(),
                            change: ChangeKind::Changed,
                            old_version: None,
                            title: "Decree No. 1010".into(),
                            old_file: Some("HEAD~1:rules/kz/d/2001.yaml".into()),
                            new_file: Some("HEAD:rules/kz/d/2001.yaml".into()),
                            fields: vec![FieldChange {
                                field: "in_force.until".into(),
                                old: Some("2012-03-28".into()),
                                new: Some("2012-04-01".into()),
                                words: None,
                            }],
                            rules: vec![RuleChange {
                                id: "minor-exit".into(),
                                change: ChangeKind::Changed,
                                old_id: None,
                                cite: "item 4".into(),
                                fields: vec![FieldChange {
                                    field: "when".into(),
                                    old: Some("age >= 18".into()),
                                    new: Some("age >= 16".into()),
                                    words: Some(vec![
                                        Word::Same("age >= ".into()),
                                        Word::Removed("18".into()),
                                        Word::Added("16".into()),
                                    ]),
                                }],
                            }],
                        },
                        VersionChange {
                            version: "2012-04-01".into(),
                            change: ChangeKind::Added,
                            old_version: None,
                            title: "Law of 2012".into(),
                            old_file: None,
                            new_file: Some("HEAD:rules/kz/d/2012.yaml".into()),
                            fields: Vec::new(),
                            rules: Vec::new(),
                        },
                    ],
                }],
            },
            timeline: vec![TimelineChange {
                rule_set: "kz.citizens-departure".into(),
                from: date("2012-03-28"),
                until: Some(date("2012-04-01")),
                old: None,
                new: Some("Decree No. 1010 (version 2001-07-26)".into()),
                description: "Decree No. 1010 (version 2001-07-26) now in force, before lapsed"
                    .into(),
            }],
            behaviour: Behaviour {
                cases: 42,
                changed: vec![CaseChange {
                    case: "teen-traveller".into(),
                    origin: "golden test \"teen\" (rules/kz/d/tests.yaml)".into(),
                    date: date("2005-03-01"),
                    outcomes: vec![OutcomeChange {
                        outcome: "exit_visa_required".into(),
                        old: Some(OutcomeResult {
                            status: Status::Decided,
                            value: Some(Value::Bool(true)),
                            by: vec![by("minor-exit", "item 4")],
                            needs: Vec::new(),
                            reason: None,
                            ..Default::default()
                        }),
                        new: Some(OutcomeResult {
                            status: Status::Decided,
                            value: Some(Value::Bool(false)),
                            by: vec![by("adult-exit", "item 5")],
                            needs: Vec::new(),
                            reason: None,
                            ..Default::default()
                        }),
                    }],
                }],
                errors: Vec::new(),
            },
        }
    }

    #[test]
    fn summary_lines_leave_out_what_did_not_change() {
        let lines = summary_lines(&sample_diff().summary);
        let whats: Vec<&str> = lines.iter().map(|(w, _)| *w).collect();
        assert_eq!(
            whats,
            vec!["rule sets", "versions", "rules", "declarations", "timeline"]
        );
        assert_eq!(lines[1].1, "1 added, 1 changed");
        assert!(summary_lines(&empty_diff().summary).is_empty());
    }

    #[test]
    fn a_diff_without_changed_cases_says_there_is_no_behavioural_change() {
        assert_eq!(
            behaviour_sentence(&empty_diff()),
            "no behavioural change: 42 cases decide the same under both"
        );
        assert_eq!(
            behaviour_sentence(&sample_diff()),
            "1 of 42 compared cases decides differently"
        );
    }

    #[test]
    fn outcome_values_say_the_status_when_nothing_was_decided() {
        let side = OutcomeResult {
            status: Status::MissingFacts,
            value: None,
            by: Vec::new(),
            needs: vec!["person.birth_date".into()],
            reason: None,
            ..Default::default()
        };
        assert_eq!(
            outcome_value(Some(&side)),
            "missing facts: person.birth_date"
        );
        assert_eq!(
            decided_by(Some(&side), |b| b.rule.to_string()),
            None,
            "the facts needed are already in the value"
        );
        assert_eq!(outcome_value(None), "not answered");
    }
}
