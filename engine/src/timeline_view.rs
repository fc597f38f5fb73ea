//! The timeline of a rules tree: which version of each rule set is in force
//! over which interval, with repeals, gaps and the open end. Data only.

use chrono::NaiveDate;
use serde::Serialize;

use crate::tree::RuleTree;

#[derive(Debug, Clone, Serialize)]
pub struct RuleSetTimeline {
    pub id: String,
    pub periods: Vec<Period>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// `in_force`, `repealed` or `gap`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub title: String,
    pub source: String,
    pub rules: usize,
}

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
