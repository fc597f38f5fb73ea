//! Code lenses on golden tests: above each test's name, whether it passes
//! and, when it fails, what came out instead. The tests run on the last
//! tree that loaded, matched to the buffer's tests by name so that an
//! edit above a test never shows another test's verdict. Not here: running
//! the tests (the engine's `run_golden_file`).

use inforce_engine::RuleTree;
use inforce_engine::outline::{FileKind, outline};

/// One lens: where (byte span of the test's name) and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    /// Byte offset of the test's name.
    pub offset: usize,
    /// Length of the name in bytes.
    pub len: usize,
    /// What the lens says: "passes", or "fails: ..." with the actual values.
    pub title: String,
    /// Whether the test passes.
    pub passed: bool,
}

/// The lenses of the tests file `path` whose text is `text`.
pub fn lenses(tree: &RuleTree, path: &str, text: &str) -> Vec<Lens> {
    let Some(o) = outline(text).filter(|o| o.kind == FileKind::Tests) else {
        return Vec::new();
    };
    let mut runs: Vec<Option<inforce_engine::TestRun>> =
        inforce_engine::run_golden_file(tree, path)
            .into_iter()
            .map(|(run, _)| Some(run))
            .collect();
    o.tests
        .iter()
        .filter_map(|t| {
            let run = runs
                .iter_mut()
                .find(|r| r.as_ref().is_some_and(|r| r.name == t.name.name))?
                .take()?;
            Some(Lens {
                offset: t.name.span.offset(),
                len: t.name.span.len(),
                title: title(&run),
                passed: run.passed,
            })
        })
        .collect()
}

fn title(run: &inforce_engine::TestRun) -> String {
    if run.passed {
        return "✓ passes".to_string();
    }
    if let Some(e) = &run.error {
        return format!("✗ could not evaluate: {e}");
    }
    let parts: Vec<String> = run
        .mismatches
        .iter()
        .map(|m| format!("{}: expected {}, got {}", m.outcome, m.expected, m.actual))
        .collect();
    format!("✗ fails: {}", parts.join("; "))
}
