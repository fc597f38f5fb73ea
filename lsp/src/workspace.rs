//! The files the server knows: the rules tree as read from disk, with the
//! editor's unsaved buffers in place of their files, and the documents
//! open outside the tree (cases). Loads the whole tree on demand and keeps
//! the last tree that loaded, so completion and hover go on working while
//! a buffer is broken. Not here: the protocol (`server`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use inforce_engine::{
    Golden, RuleProblem, RuleTree, SourceFile, is_golden_file, load_with, read_dir,
};

/// What one load of the tree found.
pub struct Analysis {
    /// Every problem of the tree, errors and warnings.
    pub problems: Vec<RuleProblem>,
    /// The tree, if it loaded without errors.
    pub tree: Option<Arc<RuleTree>>,
}

/// The rules tree and the open documents.
pub struct Workspace {
    /// The rules root, absolute: every rule file's path starts with it.
    root: PathBuf,
    /// Rule files as read from disk, by path.
    disk: BTreeMap<String, String>,
    /// Problems reading the tree from disk (unreadable or refused files).
    unreadable: Vec<RuleProblem>,
    /// Open documents' text, by path: in the tree or not.
    open: BTreeMap<String, String>,
    /// The last tree that loaded without errors.
    last_good: Option<Arc<RuleTree>>,
    /// The golden tests as last loaded, while what they depend on is
    /// unchanged (see `analyse`).
    golden: Option<GoldenCache>,
}

/// A load of the whole tree, golden tests included, that found no problem
/// in a golden-test file, and the texts of every file that is not a
/// version (test files, declarations, code lists) it was made from. The
/// golden tests depend on nothing else, so while those texts stay the same
/// a load may skip the test files and take the tests from here.
struct GoldenCache {
    inputs: BTreeMap<String, String>,
    tree: Arc<RuleTree>,
}

impl Workspace {
    /// Reads the tree under `root` from disk.
    pub fn new(root: &Path) -> Workspace {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let mut w = Workspace {
            root,
            disk: BTreeMap::new(),
            unreadable: Vec::new(),
            open: BTreeMap::new(),
            last_good: None,
            golden: None,
        };
        w.reread();
        w
    }

    /// The rules root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads the tree from disk again (a file saved, created or deleted
    /// outside the editor).
    pub fn reread(&mut self) {
        let (files, problems) = read_dir(&self.root);
        self.disk = files.into_iter().map(|f| (f.path, f.text)).collect();
        self.unreadable = problems;
    }

    /// Whether `path` is a rule file of the tree (on disk, or a YAML file
    /// being written under the root).
    pub fn in_tree(&self, path: &str) -> bool {
        self.disk.contains_key(path)
            || (Path::new(path).starts_with(&self.root)
                && (path.ends_with(".yaml") || path.ends_with(".yml")))
    }

    /// Puts an open document's text in place of its file.
    pub fn set_open(&mut self, path: String, text: String) {
        self.open.insert(path, text);
    }

    /// Forgets an open document: its file is read from disk again.
    pub fn close(&mut self, path: &str) {
        self.open.remove(path);
    }

    /// The open documents' paths.
    pub fn open_paths(&self) -> impl Iterator<Item = &str> {
        self.open.keys().map(String::as_str)
    }

    /// A file's current text: the open buffer, else the file on disk.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.open
            .get(path)
            .or_else(|| self.disk.get(path))
            .map(String::as_str)
    }

    /// Every rule file's path, with the open ones that are not yet on disk.
    pub fn rule_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.disk.keys().cloned().collect();
        paths.extend(
            self.open
                .keys()
                .filter(|p| !self.disk.contains_key(*p) && self.in_tree(p))
                .cloned(),
        );
        paths
    }

    /// The tree's files with every open buffer in place of its file.
    pub fn files(&self) -> Vec<SourceFile> {
        self.rule_paths()
            .into_iter()
            .filter_map(|path| {
                let text = self.text(&path)?.to_string();
                Some(SourceFile { path, text })
            })
            .collect()
    }

    /// Loads the whole tree as it stands in the editor, golden tests
    /// included; remembers the tree if it loaded.
    ///
    /// Golden-test files are most of the tree's text, and what they may
    /// say depends only on the declarations. So while no file other than a
    /// version has changed since a load that found the tests sound, the
    /// test files are skipped (`Golden::Skip`) and the tests of that load
    /// are put in the new tree: the same problems and the same tree as a
    /// full load, for about half the work on an edit of a version.
    pub fn analyse(&mut self) -> Analysis {
        let label = self.root.display().to_string();
        let files = self.files();
        let inputs: BTreeMap<String, String> = files
            .iter()
            .filter(|f| !is_version(&f.text))
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        let cached = self.golden.as_ref().filter(|g| g.inputs == inputs);
        let (problems, tree) = match cached {
            Some(g) => {
                let loaded = load_with(files, &label, Golden::Skip);
                let tree = loaded.tree.map(|mut t| {
                    t.tests = g.tree.tests.clone();
                    Arc::new(t)
                });
                (loaded.problems, tree)
            }
            None => {
                let goldens: Vec<String> = files
                    .iter()
                    .filter(|f| is_golden_file(f))
                    .map(|f| f.path.clone())
                    .collect();
                let loaded = load_with(files, &label, Golden::Load);
                let tree = loaded.tree.map(Arc::new);
                let tests_sound = !loaded
                    .problems
                    .iter()
                    .any(|p| crate::diagnostics::file_of(p).is_none_or(|f| goldens.contains(&f)));
                self.golden = match &tree {
                    Some(t) if tests_sound => Some(GoldenCache {
                        inputs,
                        tree: Arc::clone(t),
                    }),
                    _ => None,
                };
                (loaded.problems, tree)
            }
        };
        let tree = tree.filter(|_| self.unreadable.is_empty());
        if let Some(t) = &tree {
            self.last_good = Some(Arc::clone(t));
        }
        Analysis { problems, tree }
    }

    /// Problems reading the tree from disk: files refused or unreadable,
    /// which have no text to point into. While there are any, no tree is
    /// taken as loaded.
    pub fn unreadable(&self) -> &[RuleProblem] {
        &self.unreadable
    }

    /// The last tree that loaded, if any: the vocabulary for completion,
    /// hover and cases while the current text has errors.
    pub fn last_good(&self) -> Option<Arc<RuleTree>> {
        self.last_good.clone()
    }
}

/// Whether a file's text is a rule-set version (`rule_set:` at the top).
fn is_version(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("rule_set:"))
}
