//! The timeline of a rules tree: which version of each rule set is in force
//! over which interval, with repeals, gaps and the open end. Data only.

use chrono::NaiveDate;
use serde::Serialize;

use crate::rules::tree::RuleTree;

/// The timeline of one rule set.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetTimeline {
    /// The rule set's id, as written in `rule_set:`.
    pub id: String,
    /// Its periods, in order of time.
    pub periods: Vec<Period>,
}

/// An interval over which a version of a rule set, a repeal, or nothing is in force.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The first day of the period.
    pub from: NaiveDate,
    /// The first day after it; `None`: open-ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// `in_force`, `repealed` or `gap`.
    pub kind: &'static str,
    /// The id of the version in force; `None` in a gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The version's title, or "no version in force" in a gap.
    pub title: String,
    /// The act the version encodes, as cited; empty in a gap.
    pub source: String,
    /// How many rules the version has.
    pub rules: usize,
}

/// The timeline of every rule set of `tree`, in the tree's order.
pub fn timeline(tree: &RuleTree) -> Vec<RuleSetTimeline> {
    tree.rule_sets
        .iter()
        .map(|set| {
            let mut periods = Vec::new();
            for (i, v) in set.versions.iter().enumerate() {
                periods.push(Period {
                    from: v.from,
                    until: v.until,
                    kind: if v.repeal.is_some() {
                        "repealed"
                    } else {
                        "in_force"
                    },
                    version: Some(v.id.clone()),
                    title: v.title.clone(),
                    source: v.source.act.clone(),
                    rules: v.rules.len(),
                });
                if let (Some(until), Some(next)) = (v.until, set.versions.get(i + 1))
                    && until < next.from
                {
                    periods.push(Period {
                        from: until,
                        until: Some(next.from),
                        kind: "gap",
                        version: None,
                        title: "no version in force".to_string(),
                        source: String::new(),
                        rules: 0,
                    });
                }
            }
            RuleSetTimeline {
                id: set.id.clone(),
                periods,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::load;
    use crate::rules::source::SourceFile;

    fn version(id: &str, from: &str, until: Option<&str>, repeal: bool) -> SourceFile {
        let until = until.map(|u| format!(", until: {u}")).unwrap_or_default();
        let body = if repeal {
            "repeal: {repeals: Act 1}\n".to_string()
        } else {
            "rules:\n  - {id: r, cite: c, then: {ok: true}}\n".to_string()
        };
        SourceFile {
            path: format!("s/{id}.yaml"),
            text: format!(
                "rule_set: t.s\nversion: '{id}'\ntitle: V {id}\nin_force: {{from: {from}{until}}}\nsource: {{act: Act, read_at: here}}\n{body}"
            ),
        }
    }

    #[test]
    fn the_timeline_shows_versions_gaps_and_repeals_in_order() {
        let decl = SourceFile {
            path: "d.yaml".into(),
            text: "outcomes:\n  ok: {type: bool, description: ok}\n".into(),
        };
        let files = vec![
            decl,
            version("a", "2000-01-01", Some("2001-01-01"), false),
            version("b", "2002-01-01", Some("2003-01-01"), false),
            version("c", "2003-01-01", None, true),
        ];
        let loaded = load(files, "t");
        let tree = loaded.tree.unwrap();
        let t = timeline(&tree);
        let kinds: Vec<(&str, String)> = t[0]
            .periods
            .iter()
            .map(|p| (p.kind, p.from.to_string()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("in_force", "2000-01-01".to_string()),
                ("gap", "2001-01-01".to_string()),
                ("in_force", "2002-01-01".to_string()),
                ("repealed", "2003-01-01".to_string()),
            ]
        );
        assert_eq!(t[0].periods[1].until.unwrap().to_string(), "2002-01-01");
    }
}
