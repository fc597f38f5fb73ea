//! Loads a rules tree from files: parses each, checks its shape, compiles
//! every script once, and checks names, types, dates and precedence across
//! files. Every problem is collected; a tree with any error is never
//! returned, so nothing evaluates half-loaded rules. Not here: reading the
//! file system (see `source`) or evaluating.

pub mod golden;
pub(crate) mod plan;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use miette::SourceSpan;
use rhai::Engine;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use crate::diagnostics::{RuleProblem, Src, source, suggest};
use crate::rules::format::{
    self, Combine, Key, Literal, NullMeans, ThenValue, ValueType, VersionFile,
};
use crate::rules::in_force::Index;
use crate::rules::model::{
    CaseCheck, CodeList, Condition, FactDef, MoreSpecificThan, OutcomeDef, Pattern, RepealInfo,
    Rule, RuleSet, SourceInfo, Then, Val, Version, type_words,
};
use crate::rules::shape::{self, ShapeIssue};
use crate::rules::source::SourceFile;
use crate::rules::tree::RuleTree;
use crate::rules::yaml::{self, Node, Value, key_text, span_of};
use crate::script::analysis::{self, Comparison, Compiled, Lit};
use crate::script::{dates, sandbox};

/// The result of loading: the tree if there were no errors, and every
/// problem (errors and warnings) found.
pub struct Loaded {
    /// The loaded tree; `None` if any problem is an error.
    pub tree: Option<RuleTree>,
    /// Every problem found, errors and warnings.
    pub problems: Vec<RuleProblem>,
}

impl Loaded {
    /// How many of the problems are errors.
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }
    /// How many of the problems are warnings.
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
}

/// Loads and validates a rules tree from its files.
pub fn load(files: Vec<SourceFile>, source_label: &str) -> Loaded {
    load_with(files, source_label, Golden::Load)
}

/// Whether to load the golden tests kept beside the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Golden {
    /// Load the golden tests with the rest of the tree.
    Load,
    /// Skip files that are plainly golden tests: commands that only
    /// evaluate (`eval`, `batch`) need not parse them. The digest still
    /// covers them, so results name the same rules whatever the command.
    Skip,
}

/// Loads a rules tree, with or without its golden tests.
pub fn load_with(files: Vec<SourceFile>, source_label: &str, golden: Golden) -> Loaded {
    let mut l = Loader::default();
    let mut files = files;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut versions = Vec::new();
    let mut tests = Vec::new();
    let wanted: Vec<&SourceFile> = files
        .iter()
        .filter(|f| golden == Golden::Load || !is_golden_file(f))
        .collect();
    // The digest (a SHA-256 over every file) is computed on this thread
    // while the files are prepared on others: it would otherwise be a
    // tenth of `check`'s time on its own.
    let (digest, prepared) = std::thread::scope(|scope| {
        let worker = (wanted.len() >= 4).then(|| scope.spawn(|| prepare_all(&wanted)));
        let digest = digest(&files);
        let prepared = match worker.map(|w| w.join()) {
            Some(Ok(prepared)) => prepared,
            // None: few files; Err: a preparation panicked (it never
            // should), and is done again here where the panic is ours.
            _ => prepare_all(&wanted),
        };
        (digest, prepared)
    });
    for (f, prepared) in wanted.iter().zip(prepared) {
        l.add_file(f, prepared, &mut versions, &mut tests);
    }
    l.resolve_code_lists();
    let groups: BTreeSet<String> = l
        .facts
        .keys()
        .filter_map(|n| n.split_once('.').map(|(g, _)| g.to_string()))
        .collect();
    let groups: Vec<String> = groups.into_iter().collect();
    let engine = sandbox::engine();
    let scope = analysis::compile_scope(&groups);
    let functions = analysis::Functions::of(&engine);
    let mut compiled = Vec::new();
    for (file, text, v) in versions {
        let src = source(&file, &text);
        let mut ctx = VersionCtx {
            l: &mut l,
            engine: &engine,
            scope: &scope,
            functions: &functions,
            groups: &groups,
            src,
            text: &text,
        };
        if let Some(version) = ctx.version(&file, v) {
            compiled.push((version, ctx.src.clone()));
        }
    }
    let checks = compile_checks(&mut l, &engine, &scope, &functions, &groups);
    let rule_sets = l.assemble(compiled);
    if files.is_empty() {
        l.problems.push(RuleProblem::NoRules {
            path: source_label.to_string(),
        });
    }
    let has_errors = l.problems.iter().any(RuleProblem::is_error);
    let tree = (!has_errors).then(|| RuleTree {
        source: source_label.to_string(),
        digest,
        facts: l.facts.into_iter().map(|(k, (d, _))| (k, d)).collect(),
        groups,
        outcomes: l.outcomes.into_iter().map(|(k, (d, _))| (k, d)).collect(),
        rule_sets,
        checks,
        code_lists: l
            .code_lists
            .into_values()
            .map(|(list, _, _)| list)
            .collect(),
        tests: Vec::new(),
        engine,
        conditions: l.conditions,
        stamp: crate::rules::tree::TreeStamp::new(),
        fact_names: Vec::new(),
        fact_defs: Vec::new(),
        outcome_names: Vec::new(),
        group_fields: Vec::new(),
    });
    let tree = tree.map(|mut tree| {
        crate::rules::load::plan::index(&mut tree);
        tree
    });
    // Golden tests are checked against the loaded rules (declared facts and
    // outcomes); a broken test makes the tree unusable like any other error.
    let tree = tree.and_then(|mut tree| {
        let before = l.problems.len();
        tree.tests = golden::load(&tests, &tree, &mut l.problems);
        let broken = l
            .problems
            .get(before..)
            .unwrap_or_default()
            .iter()
            .any(RuleProblem::is_error);
        (!broken).then_some(tree)
    });
    Loaded {
        tree,
        problems: l.problems,
    }
}

/// Compiles the checks across facts (`checks:` in declarations files): each
/// `holds` like a condition, reading declared facts only and never `date`,
/// which a check made when the case is read does not know.
fn compile_checks(
    l: &mut Loader,
    engine: &Engine,
    scope: &rhai::Scope<'static>,
    functions: &analysis::Functions,
    groups: &[String],
) -> Vec<CaseCheck> {
    let mut out: Vec<CaseCheck> = Vec::new();
    for (decl, file, text) in std::mem::take(&mut l.checks) {
        let src = source(&file, &text);
        let id_span = at(&decl.id.referenced, &text);
        if let Some(first) = out.iter().find(|c| c.id == decl.id.value) {
            l.problems.push(RuleProblem::Duplicate {
                what: "check".to_string(),
                name: decl.id.value.clone(),
                src: src.clone(),
                span: id_span,
                help: format!(
                    "`{}` already declares it; give each check its own id",
                    first.file
                ),
            });
            continue;
        }
        let mut ctx = VersionCtx {
            l: &mut *l,
            engine,
            scope,
            functions,
            groups,
            src: src.clone(),
            text: &text,
        };
        let Some(condition) = ctx.condition("holds", &decl.holds) else {
            continue;
        };
        if condition.cond.leaves().iter().any(|l| l.reads_date) {
            l.problems.push(RuleProblem::Invalid {
                message: format!("check `{}` reads `date`", decl.id.value),
                src,
                span: at(&decl.holds.referenced, &text),
                help: "a check is made when the case is read, before the date it is assessed on is known: compare facts with facts only".to_string(),
            });
            continue;
        }
        let mut reads: Vec<String> = Vec::new();
        for leaf in condition.cond.leaves() {
            for r in &leaf.reads {
                if !reads.contains(r) {
                    reads.push(r.clone());
                }
            }
        }
        out.push(CaseCheck {
            id: decl.id.value,
            condition,
            message: decl.message,
            help: decl.help,
            reads,
            read_ids: Vec::new(),
            file,
        });
    }
    out
}

/// A file read as far as it can be without the other files: parsed,
/// shape-checked and deserialised, with the problems found. Pure, so the
/// files are prepared on several threads (`prepare_all`).
struct Prepared {
    problems: Vec<RuleProblem>,
    file: Option<Typed>,
}

enum Typed {
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
fn prepare_all(files: &[&SourceFile]) -> Vec<Prepared> {
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

/// A file in a `tests` folder whose only top-level key is `tests:`. Anything
/// else is parsed, so a broken rule file is never skipped.
fn is_golden_file(f: &SourceFile) -> bool {
    let in_tests = f.path.split(['/', '\\']).any(|part| part == "tests");
    let mut top_level = f
        .text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']));
    in_tests
        && top_level.next().is_some_and(|l| l.starts_with("tests:"))
        && top_level.next().is_none()
}

/// SHA-256 over every file's path and text, in path order. Paths are taken
/// relative to the files' common directory, so the same rules give the same
/// digest whether read as `rules`, `./rules`, an absolute path or embedded.
fn digest(files: &[SourceFile]) -> String {
    let common = common_dir(files.iter().map(|f| f.path.as_str()));
    let mut h = Sha256::new();
    for f in files {
        let rel = f.path.get(common..).unwrap_or(&f.path);
        h.update(rel.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Byte length of the longest directory prefix (ending in `/`) shared by all paths.
fn common_dir<'a>(mut paths: impl Iterator<Item = &'a str>) -> usize {
    let Some(first) = paths.next() else { return 0 };
    let mut len = first.rfind('/').map(|i| i + 1).unwrap_or(0);
    for p in paths {
        let shared = first
            .bytes()
            .zip(p.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
        len = first
            .get(..shared)
            .and_then(|s| s.rfind('/'))
            .map(|i| i + 1)
            .unwrap_or(0);
    }
    len
}

#[derive(Default)]
struct Loader {
    problems: Vec<RuleProblem>,
    /// Conditions compiled so far: each gets the next number.
    conditions: usize,
    facts: BTreeMap<String, (FactDef, Src)>,
    outcomes: BTreeMap<String, (OutcomeDef, Src)>,
    /// Code lists by id, with where each was declared.
    code_lists: BTreeMap<String, (Arc<CodeList>, Src, SourceSpan)>,
    /// `code_list:` of each fact, resolved once every file is read.
    code_list_refs: Vec<CodeListRef>,
    /// Checks across facts, compiled once the fact groups are known.
    checks: Vec<(format::CheckDecl, String, String)>,
}

/// A fact's `code_list:` as written, resolved after every file is read.
struct CodeListRef {
    fact: String,
    id: String,
    src: Src,
    span: SourceSpan,
}

type Versions = Vec<(String, String, VersionFile)>;
type Tests = Vec<golden::Parsed>;

/// A span for a serde-saphyr location in `text`.
fn at(loc: &serde_saphyr::Location, text: &str) -> SourceSpan {
    // Positions are relative to the text after a byte-order mark.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let shift = text.len() - body.len();
    let s = span_of(loc, body);
    SourceSpan::new((s.offset() + shift).into(), s.len())
}

impl Loader {
    /// Applies a file prepared by `prepare`: its problems, then what it
    /// declares or holds.
    fn add_file(
        &mut self,
        f: &SourceFile,
        prepared: Prepared,
        versions: &mut Versions,
        tests: &mut Tests,
    ) {
        self.problems.extend(prepared.problems);
        match prepared.file {
            None => {}
            Some(Typed::Version(v)) => versions.push((f.path.clone(), f.text.clone(), *v)),
            Some(Typed::Declarations(d, src)) => self.declarations(d, &src, &f.path, &f.text),
            Some(Typed::Tests(root)) => tests.push(golden::Parsed {
                path: f.path.clone(),
                text: f.text.clone(),
                root,
            }),
            Some(Typed::CodeList(root, src)) => self.code_list(&root, &src, &f.path),
        }
    }

    /// Reads a code list file (`code_list`, `title`, `source`, `codes`)
    /// from its spanned tree, reporting every problem with its place.
    fn code_list(&mut self, root: &Node, src: &Src, path: &str) {
        let invalid = |message: String, span: SourceSpan, help: &str| RuleProblem::Invalid {
            message,
            src: src.clone(),
            span,
            help: help.to_string(),
        };
        let text_of = |key: &str,
                       problems: &mut Vec<RuleProblem>|
         -> Option<(String, SourceSpan)> {
            match root.get(key) {
                Some(n) => match n.as_str() {
                    Some(t) => Some((t.to_string(), n.span)),
                    None => {
                        problems.push(invalid(
                            format!(
                                "`{key}` of a code list should be text, not {}",
                                n.value.kind()
                            ),
                            n.span,
                            "write it as plain text",
                        ));
                        None
                    }
                },
                None => {
                    problems.push(RuleProblem::Invalid {
                        message: format!("the code list lacks `{key}`"),
                        src: src.clone(),
                        span: first_line(src),
                        help: "a code list file has `code_list` (its id), `title`, `source` and `codes`".to_string(),
                    });
                    None
                }
            }
        };
        let known = ["code_list", "title", "source", "codes"];
        for (k, _) in root.as_map().unwrap_or_default() {
            let key = key_text(k);
            if !known.contains(&key.as_str()) {
                self.problems.push(invalid(
                    format!("unknown key `{key}` in a code list"),
                    k.span,
                    &suggest(&key, known),
                ));
            }
        }
        let id = text_of("code_list", &mut self.problems);
        let title = text_of("title", &mut self.problems);
        let source_text = text_of("source", &mut self.problems);
        let items: &[Node] = match root.get("codes").map(|n| (&n.value, n)) {
            Some((Value::Seq(items), _)) => items,
            Some((other, n)) => {
                self.problems.push(invalid(
                    format!("`codes` should be a list of codes, not {}", other.kind()),
                    n.span,
                    "write `codes:` followed by one `- {code: XX, name: ...}` per line",
                ));
                &[]
            }
            None => {
                self.problems.push(RuleProblem::Invalid {
                    message: "the code list lacks `codes`".to_string(),
                    src: src.clone(),
                    span: first_line(src),
                    help: "write `codes:` followed by one `- {code: XX, name: ...}` per line"
                        .to_string(),
                });
                &[]
            }
        };
        let list_id = id.as_ref().map_or("", |(i, _)| i.as_str()).to_string();
        let mut codes: BTreeMap<String, String> = BTreeMap::new();
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        let mut alias_spans: Vec<(String, SourceSpan)> = Vec::new();
        for item in items {
            let Some(entry) = item.as_map() else {
                self.problems.push(invalid(
                    format!("a code should be a mapping, not {}", item.value.kind()),
                    item.span,
                    "write `- {code: XX, name: ...}`",
                ));
                continue;
            };
            let (mut code, mut name, mut item_aliases) = (None, None, Vec::new());
            for (k, v) in entry {
                match (key_text(k).as_str(), &v.value) {
                    ("code", Value::Str(c)) => code = Some((c.clone(), v.span)),
                    ("name", Value::Str(n)) => name = Some(n.clone()),
                    ("aliases", Value::Seq(list)) => {
                        for a in list {
                            match a.as_str() {
                                Some(t) => item_aliases.push((t.to_string(), a.span)),
                                None => self.problems.push(invalid(
                                    format!("an alias should be text, not {}", a.value.kind()),
                                    a.span,
                                    "quote it: `\"KAZ\"`",
                                )),
                            }
                        }
                    }
                    (key @ ("code" | "name" | "aliases"), other) => {
                        self.problems.push(invalid(
                            format!(
                                "`{key}` of a code should be {}, not {}",
                                if key == "aliases" {
                                    "a list of text"
                                } else {
                                    "text"
                                },
                                other.kind()
                            ),
                            v.span,
                            "quote codes that YAML would read as a number, such as `\"01\"`",
                        ));
                    }
                    (key, _) => self.problems.push(invalid(
                        format!("unknown key `{key}` in a code"),
                        k.span,
                        &suggest(key, ["code", "name", "aliases"]),
                    )),
                }
            }
            let Some((value, code_span)) = code else {
                if !entry.iter().any(|(k, _)| key_text(k) == "code") {
                    self.problems.push(invalid(
                        "a code lacks `code`".to_string(),
                        item.span,
                        "write `- {code: XX, name: ...}`",
                    ));
                }
                continue;
            };
            if value.trim().is_empty() || value.trim() != value {
                self.problems.push(invalid(
                    format!(
                        "code `{value}` of code list `{list_id}` is blank or has spaces around it"
                    ),
                    code_span,
                    "write each code exactly as cases must write it",
                ));
                continue;
            }
            if codes.contains_key(&value) {
                self.problems.push(RuleProblem::Duplicate {
                    what: "code".to_string(),
                    name: value,
                    src: src.clone(),
                    span: code_span,
                    help: format!("code list `{list_id}` lists it already; keep one entry"),
                });
                continue;
            }
            for (alias, span) in item_aliases {
                aliases.insert(alias.clone(), value.clone());
                alias_spans.push((alias, span));
            }
            codes.insert(value, name.unwrap_or_default());
        }
        for (alias, span) in &alias_spans {
            if codes.contains_key(alias) {
                self.problems.push(invalid(
                    format!("`{alias}` is both a code and an alias in code list `{list_id}`"),
                    *span,
                    "an alias is a spelling cases must not use; remove it from the aliases",
                ));
            }
        }
        // A list with problems is still registered with the codes that
        // read well (the tree fails to load anyway): otherwise every fact
        // naming it and every code a rule compares with would be reported
        // too, burying the one real mistake.
        let Some((id, id_span)) = id else {
            return;
        };
        let list = CodeList {
            id: id.clone(),
            title: title.map(|(t, _)| t).unwrap_or_default(),
            source: source_text.map(|(t, _)| t).unwrap_or_default(),
            codes,
            aliases,
            file: path.to_string(),
        };
        match self.code_lists.get(&id) {
            Some((first, _, _)) => self.problems.push(RuleProblem::Duplicate {
                what: "code list".to_string(),
                name: id,
                src: src.clone(),
                span: id_span,
                help: format!(
                    "`{}` already defines it; give each code list its own id",
                    first.file
                ),
            }),
            None => {
                self.code_lists
                    .insert(id, (Arc::new(list), src.clone(), id_span));
            }
        }
    }

    /// Gives each fact the code list it names, once every file is read.
    fn resolve_code_lists(&mut self) {
        for r in std::mem::take(&mut self.code_list_refs) {
            match self.code_lists.get(&r.id) {
                Some((list, _, _)) => {
                    if let Some((def, _)) = self.facts.get_mut(&r.fact) {
                        def.code_list = Some(Arc::clone(list));
                    }
                }
                None => {
                    // Unrestricted from here on: the one missing list is
                    // reported, not every code a rule compares the fact with.
                    if let Some((def, _)) = self.facts.get_mut(&r.fact) {
                        def.values = None;
                        def.pattern = None;
                    }
                    self.problems.push(RuleProblem::Invalid {
                    message: format!("fact `{}` names code list `{}`, which no file declares", r.fact, r.id),
                    src: r.src,
                    span: r.span,
                    help: match crate::diagnostics::closest(&r.id, self.code_lists.keys().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "declare it in a file of its own (`code_list: <id>`, `title`, `source`, `codes`), or remove `code_list`".to_string(),
                    },
                });
                }
            }
        }
    }

    fn declarations(&mut self, d: format::DeclarationsFile, src: &Src, path: &str, text: &str) {
        for check in d.checks {
            self.checks
                .push((check, path.to_string(), text.to_string()));
        }
        for (key, decl) in d.facts {
            let name = key.name().to_string();
            let span = at(&key.0.referenced, text);
            let valid_name = name.split_once('.').is_some_and(|(g, f)| {
                !g.is_empty() && !f.is_empty() && !f.contains('.') && is_ident(g) && is_ident(f)
            });
            if !valid_name {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("fact name `{name}` is not of the form `group.name`"),
                    src: src.clone(),
                    span,
                    help: "name facts by their group and field, e.g. `person.birth_date`, using letters, digits and `_`".to_string(),
                });
                continue;
            }
            if name.starts_with("date.") || name.starts_with("id.") {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("fact group of `{name}` is reserved"),
                    src: src.clone(),
                    span,
                    help: "`id` and `date` are built into every case; choose another group name"
                        .to_string(),
                });
                continue;
            }
            let restricted =
                decl.values.is_some() || decl.code_list.is_some() || decl.pattern.is_some();
            self.values_only_where_allowed(&name, decl.ty.value, restricted, src, span);
            if let Some(c) = &decl.code_list {
                self.code_list_refs.push(CodeListRef {
                    fact: name.clone(),
                    id: c.value.clone(),
                    src: src.clone(),
                    span: at(&c.referenced, text),
                });
            }
            let pattern = decl.pattern.as_ref().and_then(|p| {
                match regex::Regex::new(&format!("^(?:{})$", p.value)) {
                    Ok(regex) => Some(Pattern {
                        text: p.value.clone(),
                        regex,
                    }),
                    Err(e) => {
                        let why = e.to_string();
                        let why = why.lines().last().unwrap_or("invalid pattern").trim();
                        let why = why.strip_prefix("error:").unwrap_or(why).trim();
                        self.problems.push(RuleProblem::Invalid {
                            message: format!("pattern of `{name}` is not a valid regular expression: {}", why.to_lowercase()),
                            src: src.clone(),
                            span: at(&p.referenced, text),
                            help: "write a regular expression in the syntax of Rust's `regex` crate, e.g. `[A-Z]{2}[0-9]{7}`; it must match the whole value".to_string(),
                        });
                        None
                    }
                }
            });
            let def = FactDef {
                name: name.clone(),
                ty: decl.ty.value,
                values: decl.values,
                code_list: None,
                pattern,
                null_means: decl.null_means,
                description: decl.description,
            };
            self.declare_fact(name, def, src, span);
        }
        for (key, decl) in d.outcomes {
            let name = key.name().to_string();
            let span = at(&key.0.referenced, text);
            if !is_ident(&name) {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("outcome name `{name}` is not a plain name"),
                    src: src.clone(),
                    span,
                    help: "use letters, digits and `_`, e.g. `exit_visa_required`".to_string(),
                });
                continue;
            }
            self.values_only_where_allowed(&name, decl.ty.value, decl.values.is_some(), src, span);
            if decl.combine == Combine::Union && decl.ty.value != ValueType::List {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("outcome `{name}` combines by union but is not a list"),
                    src: src.clone(),
                    span,
                    help: "only `list` outcomes can be `combine: union`; remove `combine` or make it a list".to_string(),
                });
            }
            let def = OutcomeDef {
                name: name.clone(),
                ty: decl.ty.value,
                values: decl.values,
                combine: decl.combine,
                description: decl.description,
            };
            if let Some(p) = declare(&mut self.outcomes, "outcome", name, def, src, span) {
                self.problems.push(p);
            }
        }
    }

    fn declare_fact(&mut self, name: String, def: FactDef, src: &Src, span: SourceSpan) {
        if let Some(p) = declare(&mut self.facts, "fact", name, def, src, span) {
            self.problems.push(p);
        }
    }

    fn values_only_where_allowed(
        &mut self,
        name: &str,
        ty: ValueType,
        has_values: bool,
        src: &Src,
        span: SourceSpan,
    ) {
        if has_values && !matches!(ty, ValueType::String | ValueType::List) {
            self.problems.push(RuleProblem::Invalid {
                message: format!("`{name}` restricts its values but is {}", type_words(ty)),
                src: src.clone(),
                span,
                help: "`values`, `code_list` and `pattern` apply to `string` and `list` types only; remove them".to_string(),
            });
        }
    }

    /// Groups versions into rule sets; checks duplicates, overlaps, gaps and
    /// precedence across rule sets.
    fn assemble(&mut self, versions: Vec<(Version, Src)>) -> Vec<RuleSet> {
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
            write_reasons(&id, &mut vs);
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

/// The undetermined reasons of each version of a rule set (sorted by
/// start): they depend only on the versions, so they are written once here
/// instead of for every case.
fn write_reasons(id: &str, vs: &mut [(Version, Src)]) {
    let next_from: Vec<Option<NaiveDate>> = (0..vs.len())
        .map(|i| vs.get(i + 1).map(|(n, _)| n.from))
        .collect();
    for ((v, _), next) in vs.iter_mut().zip(next_from) {
        if let Some(r) = &v.repeal {
            v.reasons.repealed = format!(
                "`{id}` ({}) was repealed on {} by {}",
                r.repeals, v.from, v.source.act
            );
            if let Some(note) = &r.note {
                v.reasons.repealed.push_str(&format!(". {note}"));
            }
        }
        v.reasons.not_yet = format!(
            "`{id}` is not yet in force: its first version ({}) takes effect on {}",
            v.title, v.from
        );
        v.reasons.lapsed = format!(
            "`{id}` has no version in force: {} ceased to apply on {}",
            v.title,
            v.until.map(|u| u.to_string()).unwrap_or_default()
        );
        if let Some(n) = next {
            v.reasons
                .lapsed
                .push_str(&format!(" and the next version takes effect on {n}"));
        }
    }
}

/// Adds a declaration, or says where it was declared first.
fn declare<T>(
    table: &mut BTreeMap<String, (T, Src)>,
    what: &str,
    name: String,
    def: T,
    src: &Src,
    span: SourceSpan,
) -> Option<RuleProblem> {
    if let Some((_, first)) = table.get(&name) {
        return Some(RuleProblem::Duplicate {
            what: what.to_string(),
            help: format!(
                "it is already declared in `{}`; keep one declaration",
                first.name()
            ),
            name,
            src: src.clone(),
            span,
        });
    }
    table.insert(name, (def, src.clone()));
    None
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
        Value::Map(entries) => entries.iter().find_map(|(k, v)| {
            if k.span == key.span {
                Some(v)
            } else {
                entry_value(v, key)
            }
        }),
        Value::Seq(items) => items.iter().find_map(|i| entry_value(i, key)),
        _ => None,
    }
}

/// The end of a node and everything under it.
fn node_end(node: &Node) -> usize {
    let own = node.span.offset() + node.span.len();
    let children = match &node.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| node_end(k).max(node_end(v)))
            .max(),
        Value::Seq(items) => items.iter().map(node_end).max(),
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

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Finds a cycle in a small directed graph, as the list of its nodes.
fn find_cycle<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
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

fn first_line(src: &Src) -> SourceSpan {
    let text = src.inner();
    SourceSpan::new(0.into(), text.find('\n').unwrap_or(text.len()))
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

fn parse_date_at(
    d: &Spanned<String>,
    text: &str,
    src: &Src,
    problems: &mut Vec<RuleProblem>,
) -> Option<NaiveDate> {
    match dates::parse_date(&d.value) {
        Some(date) => Some(date),
        None => {
            let well_formed = d.value.len() == 10
                && d.value.chars().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            problems.push(RuleProblem::BadDate {
                value: d.value.clone(),
                reason: if well_formed {
                    "there is no such day in the calendar".to_string()
                } else {
                    "dates are written `YYYY-MM-DD`".to_string()
                },
                src: src.clone(),
                span: at(&d.referenced, text),
            });
            None
        }
    }
}

/// Everything needed to check and compile one version file.
struct VersionCtx<'a> {
    l: &'a mut Loader,
    engine: &'a Engine,
    scope: &'a rhai::Scope<'static>,
    functions: &'a analysis::Functions,
    groups: &'a [String],
    src: Src,
    text: &'a str,
}

impl VersionCtx<'_> {
    fn push(&mut self, p: RuleProblem) {
        self.l.problems.push(p);
    }

    fn date(&mut self, d: &Spanned<String>) -> Option<NaiveDate> {
        parse_date_at(d, self.text, &self.src, &mut self.l.problems)
    }

    fn version(&mut self, file: &str, v: VersionFile) -> Option<Version> {
        let from = self.date(&v.in_force.from);
        let until = match &v.in_force.until {
            Some(u) => Some(self.date(u)?),
            None => None,
        };
        let from = from?;
        if let (Some(u), Some(until_at)) = (until, &v.in_force.until)
            && u <= from
        {
            self.push(RuleProblem::EmptyInterval {
                from: from.to_string(),
                until: u.to_string(),
                src: self.src.clone(),
                span: at(&until_at.referenced, self.text),
            });
        }
        let source_date = match &v.source.date {
            Some(d) => self.date(d),
            None => None,
        };
        if !v.rule_set.value.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }) {
            self.push(RuleProblem::Invalid {
                message: format!("rule set id `{}` is not a dotted name", v.rule_set.value),
                src: self.src.clone(),
                span: at(&v.rule_set.referenced, self.text),
                help: "write ids like `kz.citizens-departure`: lower-case words joined by `-`, parts joined by `.`".to_string(),
            });
        }
        let applies_when = v
            .applies_when
            .as_ref()
            .and_then(|s| self.condition("`applies_when`", s));
        let mut scope = BTreeMap::new();
        for (key, cond) in &v.scope {
            if self.outcome_declared(key).is_some()
                && let Some(c) = self.condition(&format!("`scope.{}`", key.name()), cond)
            {
                scope.insert(key.name().to_string(), c);
            }
        }
        let mut silent_on = BTreeMap::new();
        for (key, why) in &v.silent_on {
            if self.outcome_declared(key).is_some() {
                silent_on.insert(key.name().to_string(), why.value.clone());
            }
        }
        let mut more_specific_than = Vec::new();
        for m in &v.precedence.more_specific_than {
            let outcomes = m.outcomes.as_ref().map(|os| {
                os.iter()
                    .filter(|o| {
                        self.outcome_declared(&Key(Spanned::new(
                            o.value.clone(),
                            o.referenced,
                            o.defined,
                        )))
                        .is_some()
                    })
                    .map(|o| o.value.clone())
                    .collect::<BTreeSet<_>>()
            });
            let span = at(&m.rule_set.referenced, self.text);
            if m.rule_set.value == v.rule_set.value {
                self.push(RuleProblem::PrecedenceCycle {
                    cycle: format!("`{}` is more specific than itself", m.rule_set.value),
                    src: self.src.clone(),
                    span,
                    help: "name the less specific rule set here, not this one".to_string(),
                });
            }
            more_specific_than.push(MoreSpecificThan {
                rule_set: m.rule_set.value.clone(),
                outcomes,
                span,
            });
        }
        if let Some(r) = &v.repeal
            && !v.rules.is_empty()
        {
            self.push(RuleProblem::Invalid {
                message: "a repeal version decides nothing, but this one has rules".to_string(),
                src: self.src.clone(),
                span: at(&r.repeals.referenced, self.text),
                help: "move the rules into a version of their own, or remove `repeal`".to_string(),
            });
        }
        let mut rules = self.rules(&v.rules);
        let when = match until {
            Some(u) => format!("{from} to {u} (exclusive)"),
            None => format!("from {from}"),
        };
        for r in &mut rules {
            r.grounds = format!(
                "{} (rule `{}`, {} version {}, in force {when})",
                r.cite, r.id, v.rule_set.value, v.version.value
            );
        }
        Some(Version {
            rule_set: v.rule_set.value,
            id: v.version.value,
            title: v.title.value,
            file: file.to_string(),
            from,
            until,
            source: SourceInfo {
                act: v.source.act.value,
                number: v.source.number,
                date: source_date,
                read_at: v.source.read_at.value,
                url: v.source.url,
            },
            notes: v.notes,
            applies_when,
            scope,
            silent_on,
            more_specific_than,
            repeal: v.repeal.map(|r| RepealInfo {
                repeals: r.repeals.value,
                note: r.note,
            }),
            rules,
            reasons: crate::rules::model::Reasons::default(),
            id_span: at(&v.version.referenced, self.text),
            in_force_span: at(&v.in_force.from.referenced, self.text),
            slots: Vec::new(),
            in_force_entry: Default::default(),
        })
    }

    fn outcome_declared(&mut self, key: &Key) -> Option<OutcomeDef> {
        match self.l.outcomes.get(key.name()) {
            Some((d, _)) => Some(d.clone()),
            None => {
                let help = suggest(key.name(), self.l.outcomes.keys().map(String::as_str));
                self.push(RuleProblem::UndeclaredOutcome {
                    name: key.name().to_string(),
                    src: self.src.clone(),
                    span: at(&key.0.referenced, self.text),
                    help: format!("{help} (outcomes are declared in an `outcomes:` file)"),
                });
                None
            }
        }
    }

    fn rules(&mut self, defs: &[format::RuleDef]) -> Vec<Rule> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut spans: BTreeMap<String, SourceSpan> = BTreeMap::new();
        for def in defs {
            let id = def.id.value.clone();
            let span = at(&def.id.referenced, self.text);
            if spans.contains_key(&id) {
                self.push(RuleProblem::Duplicate {
                    what: "rule".to_string(),
                    name: id.clone(),
                    src: self.src.clone(),
                    span,
                    help: "rule ids must be unique within a version; rename one".to_string(),
                });
                continue;
            }
            spans.insert(id.clone(), span);
            let when = def
                .when
                .as_ref()
                .and_then(|w| self.condition(&format!("`when` of rule `{id}`"), w));
            let mut then = Vec::new();
            for (key, value) in &def.then {
                let Some(decl) = self.outcome_declared(key) else {
                    continue;
                };
                if let Some(t) = self.then_value(&id, &decl, value) {
                    then.push((decl.name.clone(), t));
                }
            }
            if def.then.is_empty() {
                self.push(RuleProblem::Invalid {
                    message: format!("rule `{id}` decides nothing"),
                    src: self.src.clone(),
                    span,
                    help: "give it a `then:` with at least one outcome".to_string(),
                });
            }
            rules.push(Rule {
                id,
                cite: def.cite.value.clone(),
                summary: def.summary.clone(),
                note: def.note.clone(),
                when,
                then,
                defeats: Vec::new(),
                exception_to: def.exception_to.iter().map(|e| e.value.clone()).collect(),
                grounds: String::new(),
                by: Default::default(),
            });
        }
        // Exceptions: targets must exist in this version and must not loop.
        let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for def in defs {
            for target in &def.exception_to {
                if !ids.contains(&target.value) {
                    self.push(RuleProblem::UnknownPrecedenceTarget {
                        what: "rule".to_string(),
                        name: target.value.clone(),
                        src: self.src.clone(),
                        span: at(&target.referenced, self.text),
                        help: format!(
                            "{} (`exception_to` names rules of the same version)",
                            suggest(&target.value, ids.iter().map(String::as_str))
                        ),
                    });
                } else {
                    edges
                        .entry(def.id.value.as_str())
                        .or_default()
                        .insert(target.value.as_str());
                }
            }
        }
        if let Some(cycle) = find_cycle(&edges) {
            let first = cycle.first().map(|s| s.to_string()).unwrap_or_default();
            self.push(RuleProblem::PrecedenceCycle {
                cycle: format!("rules {}", cycle.join(" → ")),
                help: "an exception cannot, directly or through others, be an exception to itself: remove one `exception_to` of the cycle".to_string(),
                src: self.src.clone(),
                span: spans
                    .get(&first)
                    .copied()
                    .unwrap_or_else(|| first_line(&self.src)),
            });
            return rules;
        }
        // Transitive closure: an exception to an exception wins over both.
        let closure: Vec<BTreeSet<String>> = rules
            .iter()
            .map(|r| {
                let mut seen = BTreeSet::new();
                let mut todo: Vec<&str> = r.exception_to.iter().map(String::as_str).collect();
                while let Some(n) = todo.pop() {
                    if seen.insert(n.to_string()) {
                        todo.extend(edges.get(n).into_iter().flatten().copied());
                    }
                }
                seen
            })
            .collect();
        let position: BTreeMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let defeats: Vec<Vec<usize>> = closure
            .iter()
            .map(|c| {
                c.iter()
                    .filter_map(|id| position.get(id.as_str()).copied())
                    .collect()
            })
            .collect();
        for (r, d) in rules.iter_mut().zip(defeats) {
            r.defeats = d;
        }
        rules
    }

    fn then_value(
        &mut self,
        rule: &str,
        decl: &OutcomeDef,
        value: &Spanned<ThenValue>,
    ) -> Option<Then> {
        let span = at(&value.referenced, self.text);
        match &value.value {
            ThenValue::Expr(e) => {
                let located = Spanned::new(e.expr.clone(), value.referenced, value.defined);
                let compiled =
                    self.compile(&format!("`then.{}` of rule `{rule}`", decl.name), &located)?;
                let native = match compiled.ast.statements() {
                    [rhai::Stmt::Expr(expr)] => {
                        crate::script::native::compile_term(expr, self.groups)
                    }
                    _ => None,
                };
                let reads_date = analysis::leaf_reads(&compiled.ast, self.groups).1;
                Some(Then::Expr {
                    text: e.expr.clone(),
                    reads: compiled.reads.iter().map(|r| r.name.clone()).collect(),
                    read_ids: Vec::new(),
                    reads_date,
                    ast: compiled.ast,
                    native,
                })
            }
            ThenValue::Literal(lit) => {
                let val = match (decl.ty, lit) {
                    (_, Literal::Null(())) => Some(Val::Null),
                    (ValueType::Bool, Literal::Bool(b)) => Some(Val::Bool(*b)),
                    (ValueType::Int, Literal::Int(i)) => Some(Val::Int(*i)),
                    (ValueType::Date, Literal::Str(s)) => match dates::parse_date(s) {
                        Some(d) => Some(Val::Date(d)),
                        None => {
                            self.push(RuleProblem::BadDate {
                                value: s.clone(),
                                reason: "dates are written `YYYY-MM-DD` and must exist".to_string(),
                                src: self.src.clone(),
                                span,
                            });
                            return None;
                        }
                    },
                    (ValueType::String, Literal::Str(s)) => Some(Val::Str(s.clone())),
                    (ValueType::List, Literal::List(items)) => Some(Val::List(items.clone())),
                    _ => None,
                };
                let Some(val) = val else {
                    let found = match lit {
                        Literal::Bool(_) => "true or false",
                        Literal::Int(_) => "an integer",
                        Literal::Str(_) => "a string",
                        Literal::List(_) => "a list",
                        Literal::Null(()) => "null",
                    };
                    self.push(RuleProblem::OutcomeType {
                        outcome: decl.name.clone(),
                        expected: type_words(decl.ty).to_string(),
                        found: found.to_string(),
                        src: self.src.clone(),
                        span,
                        help: format!("`{}` is declared as {}; give a value of that type, or `{{expr: ...}}` to compute one", decl.name, type_words(decl.ty)),
                    });
                    return None;
                };
                if let Some(allowed) = &decl.values {
                    let items: Vec<&String> = match &val {
                        Val::Str(s) => vec![s],
                        Val::List(items) => items.iter().collect(),
                        _ => vec![],
                    };
                    for item in items {
                        if !allowed.contains(item) {
                            self.push(RuleProblem::ValueNotAllowed {
                                name: decl.name.clone(),
                                value: item.clone(),
                                src: self.src.clone(),
                                span,
                                help: suggest(item, allowed.iter().map(String::as_str)),
                            });
                        }
                    }
                }
                Some(Then::Literal(val))
            }
        }
    }

    fn condition(&mut self, field: &str, script: &Spanned<String>) -> Option<Condition> {
        let compiled = self.compile(field, script)?;
        self.l.conditions += 1;
        Some(Condition {
            text: script.value.clone(),
            cond: analysis::skeleton(&compiled, self.groups),
            id: self.l.conditions - 1,
        })
    }

    /// Compiles a script and checks every fact it reads is declared; errors
    /// point at the exact place inside the YAML scalar.
    fn compile(&mut self, field: &str, script: &Spanned<String>) -> Option<Compiled> {
        let region = at(&script.referenced, self.text);
        match analysis::compile(
            self.engine,
            self.scope,
            &script.value,
            self.groups,
            self.functions,
        ) {
            Err(errors) => {
                for e in errors {
                    let span = locate(self.text, region, &script.value, e.line, e.column);
                    let problem = match e.changes {
                        Some(name) => RuleProblem::ChangesConstant {
                            span: SourceSpan::new(
                                span.offset().into(),
                                name.len()
                                    .min(self.text.len().saturating_sub(span.offset())),
                            ),
                            message: e.message,
                            src: self.src.clone(),
                        },
                        None => RuleProblem::ScriptSyntax {
                            field: field.to_string(),
                            help: script_help(&e.message, self.groups),
                            message: e.message,
                            src: self.src.clone(),
                            span,
                        },
                    };
                    self.push(problem);
                }
                None
            }
            Ok(compiled) => {
                let mut ok = true;
                for read in &compiled.reads {
                    if !self.l.facts.contains_key(&read.name) {
                        ok = false;
                        let span = locate(self.text, region, &script.value, read.line, read.column);
                        let span = SourceSpan::new(
                            span.offset().into(),
                            read.name
                                .len()
                                .min(self.text.len().saturating_sub(span.offset())),
                        );
                        let help = suggest(&read.name, self.l.facts.keys().map(String::as_str));
                        self.push(RuleProblem::UndeclaredFact {
                            fact: read.name.clone(),
                            src: self.src.clone(),
                            span,
                            help: format!("{help} (facts are declared in a `facts:` file)"),
                        });
                    }
                }
                for c in &compiled.comparisons {
                    let span = locate(self.text, region, &script.value, c.line, c.column);
                    if let Some(p) = self.comparison_problem(c, span) {
                        ok = false;
                        self.push(p);
                    }
                }
                ok.then_some(compiled)
            }
        }
    }
}

impl VersionCtx<'_> {
    /// A fact compared with a literal it can never equal: a literal of
    /// another type (rhai would answer `false` without complaint), or a
    /// value outside the fact's declared values (a misspelt id).
    fn comparison_problem(&self, c: &Comparison, span: SourceSpan) -> Option<RuleProblem> {
        let def = self.l.facts.get(&c.fact).map(|(d, _)| d)?;
        if c.literal == Lit::Unit {
            if def.null_means == NullMeans::None {
                return None;
            }
            return Some(RuleProblem::NullNeverSeen {
                fact: c.fact.clone(),
                src: self.src.clone(),
                span: SourceSpan::new(span.offset().into(), 2),
            });
        }
        let type_ok = matches!(
            (def.ty, &c.literal, c.op.as_str()),
            (ValueType::Bool, Lit::Bool(_), _)
                | (ValueType::Int, Lit::Int(_), _)
                | (ValueType::String, Lit::Str(_), _)
                | (ValueType::List, Lit::Str(_), "in")
        );
        if !type_ok {
            let help = match def.ty {
                ValueType::Date => "compare dates with dates, e.g. `ymd(2001, 7, 26)` or `parse_date(\"2001-07-26\")`".to_string(),
                ValueType::List => format!("test membership, e.g. `\"x\" in {}`", c.fact),
                _ => format!("write {} here", type_words(def.ty)),
            };
            return Some(RuleProblem::Invalid {
                message: format!(
                    "`{}` is {}, but it is compared with {} (`{}`), which is never true",
                    c.fact,
                    type_words(def.ty),
                    c.literal.kind(),
                    c.op
                ),
                src: self.src.clone(),
                span,
                help,
            });
        }
        if let Lit::Str(v) = &c.literal
            && !def.allows(v)
        {
            return Some(RuleProblem::ValueNotAllowed {
                name: c.fact.clone(),
                value: v.clone(),
                src: self.src.clone(),
                span: SourceSpan::new(span.offset().into(), span.len().max(v.len() + 2)),
                help: def.suggestion(v),
            });
        }
        None
    }
}

fn script_help(message: &str, groups: &[String]) -> String {
    let known = || {
        groups
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match message.strip_prefix("undefined variable: ") {
        Some(name) => {
            let candidates = groups.iter().map(String::as_str).chain(["date"]);
            match crate::diagnostics::closest(name.trim(), candidates) {
                Some(c) => format!(
                    "did you mean `{c}`? scripts read `date` and the fact groups {}",
                    known()
                ),
                None => format!(
                    "scripts read `date` and the fact groups {}; any other name must be a `let` of the script",
                    known()
                ),
            }
        }
        None => {
            "fix the rhai expression; see docs/rule-format.md for what scripts may use".to_string()
        }
    }
}

/// Maps a 1-based (line, column) inside a script to a span in the file.
/// The script is a YAML scalar at `region`. In block scalars (`|`) each
/// script line appears verbatim in the file, so the line is searched for.
/// In folded (`>`) and plain multi-line scalars YAML joins lines, so the
/// token at the position is searched for instead, counting its earlier
/// occurrences in the script so the right one is found. Failing both, the
/// span is the start of the scalar.
fn locate(text: &str, region: SourceSpan, script: &str, line: usize, column: usize) -> SourceSpan {
    let start = region.offset().min(text.len());
    let end = (region.offset() + region.len()).clamp(start, text.len());
    let hay = if end > start {
        text.get(start..end).unwrap_or("")
    } else {
        text.get(start..).unwrap_or("")
    };
    let Some(script_line) = script.lines().nth(line.saturating_sub(1)) else {
        return SourceSpan::new(start.into(), 1);
    };
    let col_bytes: usize = script_line
        .chars()
        .take(column.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    let rest = script_line.get(col_bytes..).unwrap_or("");
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let token_len = match rest.chars().next() {
        // A string literal: up to and including its closing quote.
        Some(q @ ('"' | '\'')) => rest
            .get(1..)
            .and_then(|r| r.find(q))
            .map(|i| i + 2)
            .unwrap_or(rest.len()),
        Some(c) if is_word(c) => rest.find(|c: char| !is_word(c)).unwrap_or(rest.len()),
        Some(_) => rest
            .find(|c: char| c.is_whitespace() || is_word(c))
            .unwrap_or(rest.len()),
        None => 0,
    }
    .max(1);
    let needle = script_line.trim_end();
    if !needle.trim().is_empty()
        && let Some(i) = hay.find(needle)
    {
        return SourceSpan::new((start + i + col_bytes).into(), token_len);
    }
    // Folded: find the same occurrence of the token.
    let token = rest.get(..token_len.min(rest.len())).unwrap_or("");
    if !token.trim().is_empty() {
        let before: usize = script
            .lines()
            .take(line.saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum::<usize>()
            + col_bytes;
        let nth = script
            .get(..before.min(script.len()))
            .map(|b| b.matches(token).count())
            .unwrap_or(0);
        if let Some((i, _)) = hay.match_indices(token).nth(nth) {
            return SourceSpan::new((start + i).into(), token.len());
        }
    }
    SourceSpan::new(start.into(), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_position_is_found_inside_a_block_scalar() {
        let text = "when: |\n  a &&\n    bad thing\n";
        let region = SourceSpan::new(6.into(), text.len() - 6);
        let script = "a &&\n  bad thing\n";
        let span = locate(text, region, script, 2, 7);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "thing");
    }

    #[test]
    fn a_script_position_is_found_inside_a_quoted_scalar() {
        let text = "when: 'x == y'\n";
        let region = SourceSpan::new(6.into(), 8);
        let span = locate(text, region, "x == y", 1, 6);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "y");
    }

    #[test]
    fn a_script_position_is_found_inside_a_folded_scalar() {
        let text = "when: >-\n  a == 1\n  && person.x == 2\n";
        let region = SourceSpan::new(6.into(), text.len() - 6);
        // YAML folds the two lines into one, joined by a space.
        let script = "a == 1 && person.x == 2";
        let span = locate(text, region, script, 1, 11);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "person.x");
        let span = locate(text, region, script, 1, 20);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "==");
        assert_eq!(span.offset(), text.rfind("==").unwrap());
    }

    #[test]
    fn the_common_directory_of_rule_files_is_found_whatever_the_root_is_called() {
        let a = ["./rules/kz/a.yaml", "./rules/kz/b/c.yaml"];
        assert_eq!(common_dir(a.into_iter()), "./rules/kz/".len());
        let b = ["/abs/rules/kz/a.yaml", "/abs/rules/x.yaml"];
        assert_eq!(common_dir(b.into_iter()), "/abs/rules/".len());
        assert_eq!(common_dir(["a.yaml"].into_iter()), 0);
    }

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
