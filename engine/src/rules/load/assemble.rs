//! Versions grouped into rule sets: duplicates, overlaps, gaps,
//! `more_specific_than` targets and precedence cycles between rule sets.
//! Not here: compiling a version (`version`).

use std::collections::{BTreeMap, BTreeSet};

use super::Loader;
use crate::diagnostics::{RuleProblem, Src, suggest};
use crate::rules::in_force::Index;
use crate::rules::model::{RuleSet, Version};

impl Loader {
    /// Groups versions into rule sets; checks duplicates, overlaps, gaps and
    /// precedence across rule sets.
    pub(super) fn assemble(&mut self, versions: Vec<(Version, Src)>) -> Vec<RuleSet> {
        let mut by_set: BTreeMap<String, Vec<(Version, Src)>> = BTreeMap::new();
        for (v, src) in versions {
            by_set.entry(v.rule_set.clone()).or_default().push((v, src));
        }
        let ids: Vec<String> = by_set.keys().cloned().collect();
        let mut sets = Vec::new();
        for (id, mut vs) in by_set {
            vs.sort_by(|a, b| a.0.from.cmp(&b.0.from).then(a.0.id.cmp(&b.0.id)));
            let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
            for (v, src) in &vs {
                if let Some(first) = seen.insert(&v.id, &v.file) {
                    self.problems.push(RuleProblem::Duplicate {
                        what: "version".to_string(),
                        name: format!("{id} {}", v.id),
                        src: src.clone(),
                        span: v.id_span,
                        help: format!("`{first}` already defines it; give each version its own id"),
                    });
                }
            }
            for pair in vs.windows(2) {
                let [(a, _), (b, bsrc)] = pair else {
                    continue;
                };
                match a.until {
                    Some(until) if until <= b.from => {
                        if until < b.from && b.repeal.is_none() {
                            self.problems.push(RuleProblem::Gap {
                                rule_set: id.clone(),
                                from: until.to_string(),
                                until: b.from.to_string(),
                                previous: a.id.clone(),
                                src: bsrc.clone(),
                                span: b.in_force_span,
                            });
                        }
                    }
                    _ => self.problems.push(RuleProblem::Overlap {
                        rule_set: id.clone(),
                        version: b.id.clone(),
                        other: a.id.clone(),
                        other_file: a.file.clone(),
                        from: b.from.to_string(),
                        until: match (a.until, b.until) {
                            (Some(x), Some(y)) => x.min(y).to_string(),
                            (Some(x), None) | (None, Some(x)) => x.to_string(),
                            (None, None) => "open end".to_string(),
                        },
                        src: bsrc.clone(),
                        span: b.in_force_span,
                    }),
                }
            }
            // Check more-specific targets now that every rule set is known.
            for (v, src) in &vs {
                for m in &v.more_specific_than {
                    if !ids.contains(&m.rule_set) {
                        // A rule set is never more specific than itself, so
                        // its own id is no useful suggestion.
                        let others = ids.iter().filter(|i| **i != v.rule_set).map(String::as_str);
                        self.problems.push(RuleProblem::UnknownPrecedenceTarget {
                            what: "rule set".to_string(),
                            name: m.rule_set.clone(),
                            src: src.clone(),
                            span: m.span,
                            help: suggest(&m.rule_set, others),
                        });
                    }
                }
            }
            let index = Index::new(vs.iter().map(|(v, _)| (v.from, v.until)).collect());
            sets.push((
                RuleSet {
                    id,
                    versions: vs.iter().map(|(v, _)| v.clone()).collect(),
                    index,
                },
                vs,
            ));
        }
        self.rule_set_cycles(&sets);
        sets.into_iter().map(|(s, _)| s).collect()
    }

    /// `more_specific_than` between rule sets must not loop.
    fn rule_set_cycles(&mut self, sets: &[(RuleSet, Vec<(Version, Src)>)]) {
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (set, _) in sets {
            for v in &set.versions {
                // A rule set naming itself is reported where it is written.
                for m in v.more_specific_than.iter().filter(|m| m.rule_set != set.id) {
                    edges
                        .entry(set.id.as_str())
                        .or_default()
                        .insert(m.rule_set.as_str());
                }
            }
        }
        let Some(cycle) = find_cycle(&edges) else {
            return;
        };
        let next = cycle.get(1).copied().unwrap_or_default();
        let place = sets
            .iter()
            .filter(|(s, _)| cycle.first().is_some_and(|c| *c == s.id))
            .flat_map(|(_, vs)| vs)
            .find_map(|(v, src)| {
                v.more_specific_than
                    .iter()
                    .find(|m| m.rule_set == next)
                    .map(|m| (src.clone(), m.span))
            });
        if let Some((src, span)) = place {
            self.problems.push(RuleProblem::PrecedenceCycle {
                cycle: format!("rule sets {}", cycle.join(" → ")),
                src,
                span,
                help: "a rule set cannot, directly or through others, be more specific than itself: remove one `more_specific_than` of the cycle".to_string(),
            });
        }
    }
}

/// Finds a cycle in a small directed graph, as the list of its nodes.
pub(super) fn find_cycle<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(pos) = stack.iter().position(|s| *s == n) {
            let mut cycle: Vec<&str> = stack.get(pos..).unwrap_or_default().to_vec();
            cycle.push(n);
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n);
        for next in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n);
        None
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_found_and_listed_in_order() {
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        edges.entry("a").or_default().insert("b");
        edges.entry("b").or_default().insert("c");
        edges.entry("c").or_default().insert("a");
        assert_eq!(find_cycle(&edges), Some(vec!["a", "b", "c", "a"]));
        edges.entry("c").or_default().remove("a");
        assert_eq!(find_cycle(&edges), None);
    }
}
