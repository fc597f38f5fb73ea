//! Where the named things of one rule file are written: declared facts and
//! outcomes, the rule set and version ids, the interval, each rule's id and
//! the outcomes it decides, precedence entries, scripts, and each golden
//! test's name and expectations. For editors (go to definition, hover, code
//! lenses), which need places rather than a compiled tree. Not validation:
//! a file that is valid YAML gets an outline whatever else is wrong with it,
//! and what is missing or of the wrong shape is simply left out.

use miette::SourceSpan;

use crate::rules::yaml::{self, Content, Node};

/// A name as written in a rule file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The name as written.
    pub name: String,
    /// Where it is written (a key's or a value's text).
    pub span: SourceSpan,
}

/// What kind of rule file an outline is of, told by its top-level keys as
/// the loader tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A rule-set version (`rule_set:`).
    Version,
    /// Declarations of facts, outcomes or checks.
    Declarations,
    /// Golden tests (`tests:`).
    Tests,
    /// A code list (`code_list:`).
    CodeList,
    /// None of these.
    Unknown,
}

/// Where a script (a rhai condition or expression) is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptPlace {
    /// The key it is written under: `when`, `applies_when`, `scope`,
    /// `holds` or `expr`.
    pub key: &'static str,
    /// The script's value as written (the scalar, quotes and all).
    pub span: SourceSpan,
}

/// One rule of a version file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePlace {
    /// The rule's id (its value).
    pub id: Named,
    /// The outcomes its `then:` decides (their keys).
    pub then: Vec<Named>,
    /// The rule ids its `exception_to:` names.
    pub exception_to: Vec<Named>,
}

/// One `precedence.more_specific_than` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecedencePlace {
    /// The less specific rule set (its value).
    pub rule_set: Named,
    /// The outcomes named, if any.
    pub outcomes: Vec<Named>,
}

/// One golden test of a tests file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPlace {
    /// The test's position in the file's `tests`, from 0.
    pub index: usize,
    /// Its `name:` value, or the start of the item if it has none.
    pub name: Named,
    /// The outcomes its `expect:` names (their keys).
    pub expect: Vec<Named>,
    /// The fact paths its case gives (`person.citizenship`, at the field's key).
    pub facts: Vec<Named>,
}

/// The places of one rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// What kind of rule file it is.
    pub kind: FileKind,
    /// `rule_set:` of a version file (its value).
    pub rule_set: Option<Named>,
    /// `version:` of a version file (its value).
    pub version: Option<Named>,
    /// `title:` of a version file (its value).
    pub title: Option<Named>,
    /// The `in_force` key of a version file.
    pub in_force: Option<SourceSpan>,
    /// `in_force.from` (its value).
    pub from: Option<Named>,
    /// `in_force.until` (its value), if written.
    pub until: Option<Named>,
    /// Declared facts (their keys).
    pub facts: Vec<Named>,
    /// Declared outcomes (their keys).
    pub outcomes: Vec<Named>,
    /// The rules of a version file, in the order written.
    pub rules: Vec<RulePlace>,
    /// `scope:` and `silent_on:` entries of a version file (their keys).
    pub scoped: Vec<Named>,
    /// `precedence.more_specific_than` entries.
    pub precedence: Vec<PrecedencePlace>,
    /// Every script, in the order written.
    pub scripts: Vec<ScriptPlace>,
    /// Golden tests, in the order written.
    pub tests: Vec<TestPlace>,
}

/// The outline of a rule file's text; `None` if it is not valid YAML.
pub fn outline(text: &str) -> Option<Outline> {
    let root = yaml::parse(text).ok()?;
    let has = |k: &str| root.get(k).is_some();
    let kind = if has("rule_set") {
        FileKind::Version
    } else if has("tests") {
        FileKind::Tests
    } else if has("code_list") {
        FileKind::CodeList
    } else if has("facts") || has("outcomes") || has("checks") {
        FileKind::Declarations
    } else {
        FileKind::Unknown
    };
    let mut o = Outline {
        kind,
        rule_set: root.get("rule_set").and_then(value),
        version: root.get("version").and_then(value),
        title: root.get("title").and_then(value),
        in_force: root.key_node("in_force").map(|k| k.span),
        from: root
            .get("in_force")
            .and_then(|i| i.get("from"))
            .and_then(value),
        until: root
            .get("in_force")
            .and_then(|i| i.get("until"))
            .and_then(value),
        facts: keys(root.get("facts")),
        outcomes: keys(root.get("outcomes")),
        rules: Vec::new(),
        scoped: keys(root.get("scope")),
        precedence: Vec::new(),
        scripts: Vec::new(),
        tests: Vec::new(),
    };
    o.scoped.extend(keys(root.get("silent_on")));
    script(&mut o.scripts, "applies_when", root.get("applies_when"));
    for (_, cond) in root.get("scope").and_then(Node::as_map).unwrap_or_default() {
        script(&mut o.scripts, "scope", Some(cond));
    }
    for check in items(root.get("checks")) {
        script(&mut o.scripts, "holds", check.get("holds"));
    }
    for entry in items(
        root.get("precedence")
            .and_then(|p| p.get("more_specific_than")),
    ) {
        if let Some(rule_set) = entry.get("rule_set").and_then(value) {
            o.precedence.push(PrecedencePlace {
                rule_set,
                outcomes: items(entry.get("outcomes")).filter_map(value).collect(),
            });
        }
    }
    for rule in items(root.get("rules")) {
        script(&mut o.scripts, "when", rule.get("when"));
        let then = rule.get("then");
        for (_, v) in then.and_then(Node::as_map).unwrap_or_default() {
            script(&mut o.scripts, "expr", v.get("expr"));
        }
        if let Some(id) = rule.get("id").and_then(value) {
            o.rules.push(RulePlace {
                id,
                then: keys(then),
                exception_to: items(rule.get("exception_to")).filter_map(value).collect(),
            });
        }
    }
    for (index, test) in items(root.get("tests")).enumerate() {
        let name = test.get("name").and_then(value).unwrap_or(Named {
            name: String::new(),
            span: test.span,
        });
        let mut facts = Vec::new();
        if let Some(case) = test.get("case").and_then(Node::as_map) {
            for (group, fields) in case {
                for field in keys(Some(fields)) {
                    facts.push(Named {
                        name: format!("{}.{}", yaml::key_text(group), field.name),
                        span: field.span,
                    });
                }
            }
        }
        o.tests.push(TestPlace {
            index,
            name,
            expect: keys(test.get("expect")),
            facts,
        });
    }
    Some(o)
}

/// A scalar value as a name with its span.
fn value(node: &Node) -> Option<Named> {
    let name = match &node.value {
        Content::Str(s) | Content::Number(s) => s.clone(),
        Content::Int(i) => i.to_string(),
        _ => return None,
    };
    Some(Named {
        name,
        span: node.span,
    })
}

/// The keys of a mapping, with their spans.
fn keys(node: Option<&Node>) -> Vec<Named> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| Named {
            name: yaml::key_text(k),
            span: k.span,
        })
        .collect()
}

/// The items of a sequence.
fn items(node: Option<&Node>) -> impl Iterator<Item = &Node> {
    let list: &[Node] = match node.map(|n| &n.value) {
        Some(Content::Seq(items)) => items,
        _ => &[],
    };
    list.iter()
}

fn script(out: &mut Vec<ScriptPlace>, key: &'static str, node: Option<&Node>) {
    if let Some(n) = node.filter(|n| matches!(n.value, Content::Str(_))) {
        out.push(ScriptPlace { key, span: n.span });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at(text: &str, span: SourceSpan) -> &str {
        text.get(span.offset()..span.offset() + span.len())
            .unwrap_or("")
    }

    #[test]
    fn a_version_file_outlines_its_ids_rules_and_precedence() {
        let text = "rule_set: kz.a\nversion: 2001-01-01\ntitle: A\nin_force: {from: 2001-01-01}\n\
                    precedence:\n  more_specific_than:\n    - rule_set: kz.b\n      outcomes: [x]\n\
                    rules:\n  - id: first\n    cite: c\n    when: person.age >= 18\n    then: {x: true}\n\
                    \x20 - id: second\n    cite: c\n    exception_to: [first]\n    then:\n      x: false\n";
        let o = outline(text).expect("valid YAML has an outline");
        assert_eq!(o.kind, FileKind::Version);
        let rs = o.rule_set.expect("the rule set is named");
        assert_eq!(text_at(text, rs.span), "kz.a");
        let from = o.from.expect("the interval starts");
        assert_eq!(text_at(text, from.span), "2001-01-01");
        assert!(o.until.is_none());
        assert_eq!(o.rules.len(), 2);
        let second = o.rules.get(1).expect("two rules");
        assert_eq!(text_at(text, second.id.span), "second");
        assert_eq!(
            second.exception_to.first().map(|n| n.name.as_str()),
            Some("first")
        );
        let p = o.precedence.first().expect("a precedence entry");
        assert_eq!(text_at(text, p.rule_set.span), "kz.b");
        assert_eq!(o.scripts.len(), 1);
        let s = o.scripts.first().expect("the when");
        assert_eq!(text_at(text, s.span), "person.age >= 18");
    }

    #[test]
    fn a_tests_file_outlines_each_test_with_its_expectations_and_facts() {
        let text =
            "tests:\n  - name: one\n    case: {person: {age: 3}}\n    expect: {adult: false}\n";
        let o = outline(text).expect("valid YAML has an outline");
        assert_eq!(o.kind, FileKind::Tests);
        let t = o.tests.first().expect("one test");
        assert_eq!(text_at(text, t.name.span), "one");
        assert_eq!(t.expect.first().map(|n| n.name.as_str()), Some("adult"));
        assert_eq!(t.facts.first().map(|n| n.name.as_str()), Some("person.age"));
    }

    #[test]
    fn text_that_is_not_yaml_has_no_outline() {
        assert!(outline("a: [unclosed\n").is_none());
    }
}
