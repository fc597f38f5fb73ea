//! Golden tests as loaded from their files: built from the spanned tree the
//! shape check already parsed (one parse per file, not two), then checked
//! against the loaded rules, so that `inforce check` reports a misspelt fact
//! in a test's case or a misspelt outcome in its `expect:` with its line,
//! instead of `inforce test` failing on it later. Not here: running them.

use std::collections::BTreeMap;

use miette::{Diagnostic, SourceSpan};

use crate::case;
use crate::diagnostics::{RuleProblem, Src, source, suggest};
use crate::rules::format::ValueType;
use crate::rules::model::{GoldenTestDef, TestFile, type_words};
use crate::rules::tree::RuleTree;
use crate::rules::yaml::{Content, Node, key_text};
use crate::script::dates;

/// A golden-test file, its text and its spanned tree (shape already checked).
pub struct Parsed {
    pub path: String,
    pub text: String,
    pub root: Node,
}

/// The statuses an expectation may name instead of a value.
const STATUSES: [&str; 4] = ["undetermined", "missing_facts", "conflict", "absent"];

/// Builds the tests of every file and checks them against `tree`.
pub fn load(files: &[Parsed], tree: &RuleTree, problems: &mut Vec<RuleProblem>) -> Vec<TestFile> {
    files.iter().map(|f| load_file(f, tree, problems)).collect()
}

fn load_file(f: &Parsed, tree: &RuleTree, problems: &mut Vec<RuleProblem>) -> TestFile {
    let src = source(&f.path, &f.text);
    let mut tests = Vec::new();
    let items = match f.root.get("tests").map(|n| &n.value) {
        Some(Content::Seq(items)) => items.as_slice(),
        _ => &[],
    };
    for item in items {
        let name = item
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        let date = item
            .get("date")
            .and_then(|d| match d.as_str().and_then(dates::parse_date) {
                Some(date) => Some(date),
                None => {
                    problems.push(RuleProblem::BadDate {
                        value: d
                            .as_str()
                            .map(String::from)
                            .unwrap_or_else(|| d.value.kind().to_string()),
                        reason: "the date of a golden test is written `YYYY-MM-DD` and must exist"
                            .to_string(),
                        src: src.clone(),
                        span: d.span,
                    });
                    None
                }
            });
        let Some(case_node) = item.get("case") else {
            continue;
        };
        check_case(tree, &name, case_node, &src, problems);
        let mut expect = BTreeMap::new();
        if let Some(Content::Map(entries)) = item.get("expect").map(|n| &n.value) {
            for (k, v) in entries {
                check_expectation(tree, &key_text(k), k, v, &src, problems);
                expect.insert(key_text(k), v.to_json());
            }
        }
        tests.push(GoldenTestDef {
            name,
            date,
            case: case_node.to_json(),
            expect,
        });
    }
    TestFile {
        path: f.path.clone(),
        tests,
    }
}

/// The case must be a valid case under the declared facts.
fn check_case(
    tree: &RuleTree,
    name: &str,
    node: &Node,
    src: &Src,
    problems: &mut Vec<RuleProblem>,
) {
    let Err(errors) = case::from_node(tree, name, node, src) else {
        return;
    };
    // A case failing a check across facts is well written: the check is
    // part of the law as encoded, so it shows as that test's failure, naming
    // the check, when the tests run, not as a broken rules tree.
    for e in errors
        .into_iter()
        .filter(|e| !matches!(e, crate::diagnostics::CaseError::FailedCheck { .. }))
    {
        let span = e
            .labels()
            .and_then(|mut labels| labels.next())
            .map(|l| SourceSpan::new(l.offset().into(), l.len()))
            .unwrap_or(node.span);
        problems.push(RuleProblem::Invalid {
            message: format!("in the case of golden test `{name}`: {e}"),
            src: src.clone(),
            span,
            help: e
                .help()
                .map(|h| h.to_string())
                .unwrap_or_else(|| "fix the case".to_string()),
        });
    }
}

/// The expected outcome must be declared, and its value fit the outcome.
fn check_expectation(
    tree: &RuleTree,
    outcome: &str,
    key: &Node,
    want: &Node,
    src: &Src,
    problems: &mut Vec<RuleProblem>,
) {
    let Some(def) = tree.outcomes.get(outcome) else {
        problems.push(RuleProblem::UndeclaredOutcome {
            name: outcome.to_string(),
            src: src.clone(),
            span: key.span,
            help: suggest(outcome, tree.outcomes.keys().map(String::as_str)),
        });
        return;
    };
    let mut bad = |message: String, help: String| {
        problems.push(RuleProblem::Invalid {
            message,
            src: src.clone(),
            span: want.span,
            help,
        });
    };
    match &want.value {
        Content::Str(s) if STATUSES.contains(&s.as_str()) => {}
        Content::Map(_) => {
            let status = want
                .get("status")
                .and_then(Node::as_str)
                .unwrap_or_default();
            if !STATUSES.contains(&status) && status != "decided" {
                bad(
                    format!("expected status `{status}` of `{outcome}` is not a status"),
                    suggest(status, STATUSES.iter().copied().chain(["decided"])),
                );
            }
            if let Some(Content::Seq(needs)) = want.get("needs").map(|n| &n.value) {
                for n in needs {
                    let fact = n.as_str().unwrap_or_default();
                    if !tree.facts.contains_key(fact) {
                        problems.push(RuleProblem::UndeclaredFact {
                            fact: fact.to_string(),
                            src: src.clone(),
                            span: n.span,
                            help: suggest(fact, tree.facts.keys().map(String::as_str)),
                        });
                    }
                }
            }
        }
        value => {
            let fits = match (def.ty, value) {
                (_, Content::Null) => true,
                (ValueType::Bool, Content::Bool(_)) | (ValueType::Int, Content::Int(_)) => true,
                (ValueType::Date, Content::Str(s)) => dates::parse_date(s).is_some(),
                (ValueType::String, Content::Str(s)) => {
                    def.values.as_ref().is_none_or(|v| v.contains(s))
                }
                (ValueType::List, Content::Seq(items)) => items.iter().all(|i| {
                    i.as_str().is_some_and(|s| {
                        def.values.as_ref().is_none_or(|v| v.iter().any(|x| x == s))
                    })
                }),
                _ => false,
            };
            if !fits {
                let shown = match value {
                    Content::Str(s) => format!("`{s}`"),
                    other => other.kind().to_string(),
                };
                let help = match value {
                    Content::Str(s) => suggest(
                        s,
                        STATUSES
                            .iter()
                            .copied()
                            .chain(def.values.iter().flatten().map(String::as_str)),
                    ),
                    _ => format!(
                        "expect {} or one of the statuses {}",
                        type_words(def.ty),
                        STATUSES.join(", ")
                    ),
                };
                bad(
                    format!(
                        "{shown} is not a value of `{outcome}` ({}) nor a status",
                        type_words(def.ty)
                    ),
                    help,
                );
            }
        }
    }
}
