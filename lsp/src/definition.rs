//! Go to definition: from a fact or outcome to its declaration, from a
//! rule-set id to its versions, from a rule id (in `exception_to:` or
//! anywhere else) to the rule, and from an expectation of a golden test to
//! the rules that decided that outcome when the test ran. Places come from
//! the engine's outline of each file. Not here: what words mean (`hover`).

use inforce_engine::RuleTree;
use inforce_engine::outline::{FileKind, Named, Outline, outline};

use crate::hover::{prefixes, word_at};

/// A place in a file: its path and the byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The file, as the engine names it.
    pub path: String,
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

/// The files to look in: their paths and a way to their text.
pub struct Files<'a> {
    /// Every rule file's path.
    pub paths: &'a [String],
    /// A file's current text.
    pub text: &'a dyn Fn(&str) -> Option<&'a str>,
}

impl Files<'_> {
    /// The outlines of the files whose text contains `needle` (a cheap
    /// filter: the code lists are long).
    fn outlines<'b>(&'b self, needle: &'b str) -> impl Iterator<Item = (&'b str, Outline)> + 'b {
        self.paths.iter().filter_map(move |p| {
            let text = (self.text)(p)?;
            if !text.contains(needle) {
                return None;
            }
            Some((p.as_str(), outline(text)?))
        })
    }
}

fn target(path: &str, n: &Named) -> Target {
    Target {
        path: path.to_string(),
        offset: n.span.offset(),
        len: n.span.len(),
    }
}

/// Where the word at `offset` of `path` is defined.
pub fn definition(tree: &RuleTree, files: &Files<'_>, path: &str, offset: usize) -> Vec<Target> {
    let Some(text) = (files.text)(path) else {
        return Vec::new();
    };
    let Some(word) = word_at(text, offset) else {
        return Vec::new();
    };
    // An expectation of a golden test: the rules behind the actual value.
    if let Some(o) = outline(text).filter(|o| o.kind == FileKind::Tests) {
        let hit = o.tests.iter().find_map(|t| {
            t.expect
                .iter()
                .find(|e| e.span.offset() <= offset && offset <= e.span.offset() + e.span.len())
                .map(|e| (t.index, e.name.clone()))
        });
        if let Some((index, outcome)) = hit {
            let found = rules_behind(tree, files, path, index, &outcome);
            if !found.is_empty() {
                return found;
            }
        }
    }
    for candidate in prefixes(word) {
        if tree.facts.contains_key(candidate) {
            return declared(files, candidate, |o| &o.facts);
        }
        if tree.outcomes.contains_key(candidate) {
            return declared(files, candidate, |o| &o.outcomes);
        }
    }
    if let Some(set) = tree.rule_sets.iter().find(|s| s.id == word) {
        return set
            .versions
            .iter()
            .filter_map(|v| {
                let text = (files.text)(&v.file)?;
                let n = outline(text)?.rule_set?;
                Some(target(&v.file, &n))
            })
            .collect();
    }
    // A rule id: in this version file first, else in every version.
    if let Some(o) = outline(text)
        && let Some(r) = o.rules.iter().find(|r| r.id.name == word)
    {
        return vec![target(path, &r.id)];
    }
    tree.rule_sets
        .iter()
        .flat_map(|s| &s.versions)
        .filter(|v| v.rules.iter().any(|r| r.id == word))
        .filter_map(|v| rule_in(files, &v.file, word))
        .collect()
}

fn declared(files: &Files<'_>, name: &str, pick: fn(&Outline) -> &Vec<Named>) -> Vec<Target> {
    files
        .outlines(name)
        .filter(|(_, o)| o.kind == FileKind::Declarations)
        .flat_map(|(p, o)| {
            pick(&o)
                .iter()
                .filter(|n| n.name == name)
                .map(|n| target(p, n))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn rule_in(files: &Files<'_>, file: &str, id: &str) -> Option<Target> {
    let o = outline((files.text)(file)?)?;
    let r = o.rules.iter().find(|r| r.id.name == id)?;
    Some(target(file, &r.id))
}

/// The rules that decided (or disagreed on) `outcome` when test `index`
/// of the tests file `path` ran.
fn rules_behind(
    tree: &RuleTree,
    files: &Files<'_>,
    path: &str,
    index: usize,
    outcome: &str,
) -> Vec<Target> {
    let runs = inforce_engine::run_golden_file(tree, path);
    let Some((_, Some(result))) = runs.get(index) else {
        return Vec::new();
    };
    let Some(o) = result.outcomes.get(outcome) else {
        return Vec::new();
    };
    o.by.iter()
        .filter_map(|b| {
            let set = tree.rule_sets.iter().find(|s| *s.id == *b.rule_set)?;
            let v = set.versions.iter().find(|v| *v.id == *b.version)?;
            rule_in(files, &v.file, &b.rule)
        })
        .collect()
}
