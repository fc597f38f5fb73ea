//! Each rule file read as far as it can be on its own: parsed into the
//! spanned YAML tree, scanned for hidden characters, kind found,
//! shape-checked against its JSON Schema and deserialised, on several
//! threads. Not here: anything that needs another file (names, types,
//! dates across files), which the later stages check.

use miette::SourceSpan;

use super::at;
use crate::diagnostics::{RuleProblem, Src, source, suggest};
use crate::rules::format::{self, VersionFile};
use crate::rules::shape::{self, ShapeIssue};
use crate::rules::source::SourceFile;
use crate::rules::yaml::{self, Content, Node};

/// A file read as far as it can be without the other files: parsed,
/// shape-checked and deserialised, with the problems found. Pure, so the
/// files are prepared on several threads (`prepare_all`).
pub(super) struct Prepared {
    pub(super) problems: Vec<RuleProblem>,
    pub(super) file: Option<Typed>,
}

pub(super) enum Typed {
    Version(Box<VersionFile>),
    Declarations(format::DeclarationsFile, Src),
    /// Golden tests need no second, typed parse: the spanned tree has
    /// passed the shape check and carries every position.
    Tests(Node),
    /// Code lists are long and flat: read straight from the spanned tree,
    /// without the schema walk and the second, typed parse, which cost more
    /// than the rest of a tree's load together.
    CodeList(Node, Src),
}

fn prepare(f: &SourceFile) -> Prepared {
    let mut problems = Vec::new();
    let file = prepare_into(f, &mut problems);
    Prepared { problems, file }
}

fn prepare_into(f: &SourceFile, problems: &mut Vec<RuleProblem>) -> Option<Typed> {
    let src = source(&f.path, &f.text);
    let root = match yaml::parse(&f.text) {
        Ok(root) => root,
        Err(e) if yaml::is_empty_file(&e) => {
            problems.push(RuleProblem::EmptyFile {
                path: f.path.clone(),
                span: SourceSpan::new(0.into(), 0),
                src,
            });
            return None;
        }
        Err(e) => {
            problems.push(RuleProblem::Syntax {
                message: e.message,
                src,
                span: e.span,
            });
            return None;
        }
    };
    // Bidi controls, invisible and control characters: in scripts, ids and
    // citations an error, in prose a warning (issue 11).
    crate::rules::hidden_chars::scan(&root, &f.text, &src, problems);
    let kind = if root.get("rule_set").is_some() {
        Kind::Version
    } else if root.get("tests").is_some() {
        Kind::Tests
    } else if root.get("code_list").is_some() {
        Kind::CodeList
    } else if root.get("facts").is_some()
        || root.get("outcomes").is_some()
        || root.get("checks").is_some()
    {
        Kind::Declarations
    } else {
        problems.push(RuleProblem::UnknownFileKind {
            span: root.span,
            src,
        });
        return None;
    };
    if kind == Kind::CodeList {
        return Some(Typed::CodeList(root, src));
    }
    let mut issues = shape::check(&root, kind.schema());
    // `titel:` is one mistake, not two: drop "missing `title`" when an
    // unknown key beside it is a near miss of `title`.
    let misspelt: Vec<(String, String)> = issues
        .iter()
        .filter_map(|i| match i {
            ShapeIssue::UnknownKey {
                key, parent, known, ..
            } => crate::diagnostics::closest(key, known.iter().map(String::as_str))
                .map(|k| (parent.clone(), k.to_string())),
            _ => None,
        })
        .collect();
    issues.retain(|i| match i {
        ShapeIssue::MissingKey { key, parent, .. } => {
            !misspelt.iter().any(|(p, k)| p == parent && k == key)
        }
        _ => true,
    });
    // Unknown keys alone do not stop the check of the rest of the file:
    // they are blanked out (positions kept) and the file read on. Any
    // other shape problem makes the file unreadable as a rule file.
    let only_unknown = issues
        .iter()
        .all(|i| matches!(i, ShapeIssue::UnknownKey { .. }));
    let blanked = if issues.is_empty() {
        None
    } else if only_unknown && kind != Kind::Tests {
        Some(blank_entries(&f.text, &root, &issues))
    } else {
        for issue in issues {
            problems.push(shape_problem(issue, &src));
        }
        return None;
    };
    for issue in issues {
        problems.push(shape_problem(issue, &src));
    }
    let text = blanked.as_deref().unwrap_or(&f.text);
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let opts = yaml::options;
    let typed = match kind {
        Kind::Version => serde_saphyr::from_str_with_options::<VersionFile>(body, opts())
            .map(|v| Typed::Version(Box::new(v))),
        Kind::Tests => return Some(Typed::Tests(root)),
        Kind::Declarations => {
            serde_saphyr::from_str_with_options::<format::DeclarationsFile>(body, opts())
                .map(|d| Typed::Declarations(d, src.clone()))
        }
        Kind::CodeList => return None,
    };
    match typed {
        Ok(t) => Some(t),
        Err(e) => {
            if blanked.is_some() {
                // The file did not read even without its unknown keys: the
                // unknown keys reported already explain it.
                return None;
            }
            let span = e.location().map(|l| at(&l, &f.text)).unwrap_or(root.span);
            let message = e.without_snippet().to_string();
            let message = message
                .lines()
                .next()
                .unwrap_or("invalid value")
                .to_string();
            problems.push(RuleProblem::Invalid {
                message,
                src,
                span,
                help: "see docs/rule-format.md for the shape of rule files".to_string(),
            });
            None
        }
    }
}

/// Every file prepared (`prepare`), in order. Parsing and shape-checking
/// are most of the time `check` takes and each file is independent, so the
/// files are shared out between the cores (a few threads for a few dozen
/// files; one thread where there is one core or few files).
pub(super) fn prepare_all(files: &[&SourceFile]) -> Vec<Prepared> {
    let threads = std::thread::available_parallelism()
        .map(std::num::NonZero::get)
        .unwrap_or(1)
        .min(4);
    let total: usize = files.iter().map(|f| f.text.len()).sum();
    if threads < 2 || files.len() < 4 || total < 64 * 1024 {
        return files.iter().map(|f| prepare(f)).collect();
    }
    // Balanced by size: each thread takes files in turn (round robin), so
    // one long file does not keep a thread busy while the others idle.
    let mut out: Vec<Option<Prepared>> = Vec::new();
    out.resize_with(files.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    files
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, f)| (i, prepare(f)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // A file whose preparation panicked (it never should) is
            // prepared again below, on this thread, where the panic is the
            // caller's.
            if let Ok(parsed) = h.join() {
                for (i, r) in parsed {
                    if let Some(slot) = out.get_mut(i) {
                        *slot = Some(r);
                    }
                }
            }
        }
    });
    out.into_iter()
        .zip(files)
        .map(|(r, f)| r.unwrap_or_else(|| prepare(f)))
        .collect()
}

/// A file in a `tests` folder whose only top-level key is `tests:`: what
/// `Golden::Skip` leaves out. Anything else is parsed, so a broken rule
/// file is never skipped.
pub fn is_golden_file(f: &SourceFile) -> bool {
    let in_tests = f.path.split(['/', '\\']).any(|part| part == "tests");
    let mut top_level = f
        .text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']));
    in_tests
        && top_level.next().is_some_and(|l| l.starts_with("tests:"))
        && top_level.next().is_none()
}

/// The text with every unknown key and its value replaced by spaces (line
/// breaks kept), so that every other position in the file stays the same.
fn blank_entries(text: &str, root: &Node, issues: &[ShapeIssue]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for issue in issues {
        let ShapeIssue::UnknownKey { at: key, .. } = issue else {
            continue;
        };
        let Some(value) = entry_value(root, key) else {
            continue;
        };
        let start = key.span.offset();
        let end = node_end(value).max(key.span.offset() + key.span.len());
        for b in bytes.iter_mut().take(end.min(text.len())).skip(start) {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // Only ASCII bytes were written over whole entries, so the text stays UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// The value of the mapping entry whose key is `key`, anywhere in the tree.
fn entry_value<'a>(node: &'a Node, key: &Node) -> Option<&'a Node> {
    match &node.value {
        Content::Map(entries) => entries.iter().find_map(|(k, v)| {
            if k.span == key.span {
                Some(v)
            } else {
                entry_value(v, key)
            }
        }),
        Content::Seq(items) => items.iter().find_map(|i| entry_value(i, key)),
        _ => None,
    }
}

/// The end of a node and everything under it.
fn node_end(node: &Node) -> usize {
    let own = node.span.offset() + node.span.len();
    let children = match &node.value {
        Content::Map(entries) => entries
            .iter()
            .map(|(k, v)| node_end(k).max(node_end(v)))
            .max(),
        Content::Seq(items) => items.iter().map(node_end).max(),
        _ => None,
    };
    own.max(children.unwrap_or(0))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Version,
    Tests,
    Declarations,
    CodeList,
}

impl Kind {
    /// The kind's JSON Schema, derived once per process: deriving it is a
    /// measurable part of `inforce check`'s start-up.
    fn schema(self) -> &'static serde_json::Value {
        static SCHEMAS: std::sync::OnceLock<[serde_json::Value; 4]> = std::sync::OnceLock::new();
        let [version, tests, declarations, code_list] = SCHEMAS.get_or_init(|| {
            [
                serde_json::to_value(schemars::schema_for!(format::VersionFile))
                    .unwrap_or_default(),
                serde_json::to_value(schemars::schema_for!(format::TestsFile)).unwrap_or_default(),
                serde_json::to_value(schemars::schema_for!(format::DeclarationsFile))
                    .unwrap_or_default(),
                serde_json::to_value(schemars::schema_for!(format::CodeListFile))
                    .unwrap_or_default(),
            ]
        });
        match self {
            Kind::Version => version,
            Kind::Tests => tests,
            Kind::Declarations => declarations,
            Kind::CodeList => code_list,
        }
    }
}

fn shape_problem(issue: ShapeIssue, src: &Src) -> RuleProblem {
    match issue {
        ShapeIssue::UnknownKey {
            key,
            parent,
            known,
            at,
        } => RuleProblem::UnknownKey {
            help: suggest(&key, known.iter().map(String::as_str)),
            key,
            parent: describe_parent(&parent),
            src: src.clone(),
            span: at.span,
        },
        ShapeIssue::MissingKey { key, parent, at } => RuleProblem::MissingKey {
            help: format!("add `{key}:` to {}", describe_parent(&parent)),
            key,
            parent: describe_parent(&parent),
            src: src.clone(),
            span: SourceSpan::new(at.span.offset().into(), at.span.len().min(1)),
        },
        ShapeIssue::WrongType { what, expected, at } => RuleProblem::WrongType {
            help: format!("write {expected} here"),
            found: at.value.kind().to_string(),
            what,
            expected,
            src: src.clone(),
            span: at.span,
        },
        ShapeIssue::NotAllowed { what, allowed, at } => RuleProblem::ValueNotAllowed {
            help: suggest(&yaml::key_text(&at), allowed.iter().map(String::as_str)),
            name: what,
            value: yaml::key_text(&at),
            src: src.clone(),
            span: at.span,
        },
    }
}

fn describe_parent(parent: &str) -> String {
    if parent == "the file" {
        parent.to_string()
    } else {
        format!("`{parent}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_golden_files_in_a_tests_folder_are_skippable() {
        let f = |path: &str, text: &str| SourceFile {
            path: path.into(),
            text: text.into(),
        };
        assert!(is_golden_file(&f(
            "r/kz/x/tests/a.yaml",
            "# c\ntests:\n  - name: x\n"
        )));
        assert!(!is_golden_file(&f(
            "r/kz/x/a.yaml",
            "tests:\n  - name: x\n"
        )));
        assert!(!is_golden_file(&f(
            "r/kz/x/tests/a.yaml",
            "rule_set: a\ntests: []\n"
        )));
        assert!(!is_golden_file(&f(
            "r/kz/x/tests/a.yaml",
            "tests: []\nrule_set: a\n"
        )));
    }
}
