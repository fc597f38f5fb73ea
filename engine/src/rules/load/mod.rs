//! Loads a rules tree from files, stage by stage: each file prepared
//! (`prepare`) while the digest is computed (`digest`), declarations and
//! code lists registered (`declarations`, `code_list`), every version
//! compiled (`version`, `rule`), the checks across facts compiled, the
//! versions assembled into rule sets (`assemble`), then the golden tests
//! read against the tree (`golden`). Every problem is collected; a tree
//! with any error is never returned, so nothing evaluates half-loaded
//! rules. Not here: reading the file system (see `source`) or evaluating.

mod assemble;
mod code_list;
mod declarations;
mod digest;
pub mod golden;
mod prepare;
mod rule;
mod scripts;
mod version;

use self::declarations::{CodeListRef, Numbers, compile_checks};
use self::digest::digest;
pub use self::prepare::is_golden_file;
use self::prepare::{Prepared, Typed, prepare_all};
use self::version::VersionCtx;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use miette::SourceSpan;

use crate::diagnostics::{RuleProblem, Src, source};
use crate::explain::Wording;
use crate::rules::format::{self, VersionFile};
use crate::rules::model::{CodeList, FactDef, OutcomeDef};
use crate::rules::source::SourceFile;
use crate::rules::tree::RuleTree;
use crate::rules::yaml::span_of;
use crate::script::analysis;
use crate::script::sandbox;

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
    // Every declaration is known now, before any version: facts and
    // outcomes are numbered here, so each script gets its fact numbers as
    // it compiles and each version its per-outcome table as it is built.
    let numbers = Numbers::of(&l);
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
            numbers: &numbers,
            src,
            text: &text,
        };
        if let Some(version) = ctx.version(&file, v) {
            compiled.push((version, ctx.src.clone()));
        }
    }
    let checks = compile_checks(&mut l, &engine, &scope, &functions, &groups, &numbers);
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
        fact_defs: l.facts.values().map(|(d, _)| d.clone()).collect(),
        facts: l.facts.into_iter().map(|(k, (d, _))| (k, d)).collect(),
        group_fields: numbers.group_fields(&groups),
        groups,
        outcomes: l.outcomes.into_iter().map(|(k, (d, _))| (k, d)).collect(),
        wording: Wording::of(&rule_sets, &numbers.outcomes),
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
        leaves: l.leaves.count,
        stamp: crate::rules::tree::TreeStamp::new(),
        fact_names: numbers.facts,
        outcome_names: numbers.outcomes,
        fragments: std::sync::OnceLock::new(),
        plans: std::sync::OnceLock::new(),
        json_keys: std::sync::OnceLock::new(),
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

#[derive(Default)]
struct Loader {
    problems: Vec<RuleProblem>,
    /// Conditions compiled so far: each gets the next number.
    conditions: usize,
    /// The leaves of conditions numbered so far.
    leaves: LeafNumbers,
    /// Versions compiled so far: each gets the next number (`Version::at`).
    versions: usize,
    facts: BTreeMap<String, (FactDef, Src)>,
    outcomes: BTreeMap<String, (OutcomeDef, Src)>,
    /// Code lists by id, with where each was declared.
    code_lists: BTreeMap<String, (Arc<CodeList>, Src, SourceSpan)>,
    /// `code_list:` of each fact, resolved once every file is read.
    code_list_refs: Vec<CodeListRef>,
    /// Checks across facts, compiled once the fact groups are known.
    checks: Vec<(format::CheckDecl, String, String)>,
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
}

fn first_line(src: &Src) -> SourceSpan {
    let text = src.inner();
    SourceSpan::new(0.into(), text.find('\n').unwrap_or(text.len()))
}

/// Numbers the leaves of conditions as they load: a leaf the native
/// evaluator runs takes the number of an earlier leaf of the same shape
/// (same facts, literals and operators, written at the same place of its
/// script, so that a failure reads the same), any other leaf a number of
/// its own. Evaluation then decides a leaf once per case however many
/// conditions hold it, and a memo's way of a whole case asks each once.
#[derive(Default)]
struct LeafNumbers {
    count: usize,
    native: std::collections::HashMap<crate::script::native::Native, usize>,
}

impl LeafNumbers {
    fn number(&mut self, cond: &mut crate::script::analysis::Cond) {
        for leaf in cond.leaves_mut() {
            let fresh = self.count;
            leaf.id = match &leaf.native {
                Some(n) => *self.native.entry(n.clone()).or_insert(fresh),
                None => fresh,
            };
            if leaf.id == fresh {
                self.count += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::rules::model::Condition;
    use crate::script::analysis::{Leaf, UNNUMBERED};
    use crate::testing::shipped;

    /// Every condition of a tree: versions' `applies_when` and scopes,
    /// rules' `when`, and the checks across facts.
    fn conditions(tree: &crate::rules::tree::RuleTree) -> Vec<&Condition> {
        let mut out: Vec<&Condition> = tree.checks.iter().map(|c| &c.condition).collect();
        for v in tree.rule_sets.iter().flat_map(|s| &s.versions) {
            out.extend(v.applies_when.iter());
            out.extend(v.scope.values());
            out.extend(v.rules.iter().filter_map(|r| r.when.as_ref()));
        }
        out
    }

    #[test]
    fn leaves_of_one_native_shape_at_one_place_share_a_number_and_all_others_have_their_own() {
        let tree = shipped();
        let leaves: Vec<&Leaf> = conditions(tree)
            .into_iter()
            .flat_map(|c| c.cond.leaves())
            .collect();
        let mut by_id: HashMap<usize, &Leaf> = HashMap::new();
        for leaf in &leaves {
            assert_ne!(leaf.id, UNNUMBERED);
            assert!(leaf.id < tree.leaves, "{} of {}", leaf.id, tree.leaves);
            match by_id.get(&leaf.id) {
                Some(other) => {
                    // Shared only by leaves the native evaluator runs, of
                    // the same shape, written at the same place.
                    assert!(leaf.native.is_some(), "{:?}", leaf.reads);
                    assert_eq!(other.native, leaf.native);
                }
                None => {
                    by_id.insert(leaf.id, leaf);
                }
            }
        }
        // And leaves of one shape and place always do.
        for a in &leaves {
            for b in &leaves {
                if a.native.is_some() && a.native == b.native {
                    assert_eq!(a.id, b.id);
                }
            }
        }
        assert_eq!(by_id.len(), tree.leaves);
        // The shipped law repeats its parts across rules: sharing counts.
        assert!(
            tree.leaves < leaves.len(),
            "{} of {}",
            tree.leaves,
            leaves.len()
        );
    }
}
