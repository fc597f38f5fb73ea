//! The checks shared by the fuzz targets (`fuzz/`, under cargo-fuzz) and
//! their property-based stand-ins (`engine/tests/properties.rs`, under
//! `cargo test`): load a rule file next to the shipped declarations, read a
//! case with both case readers, and evaluate a case built from bytes on an
//! arbitrary date. Each check returns normally for any input and panics only
//! when an invariant breaks (a panic inside the engine, a half-loaded tree, a
//! diagnostic that cannot be rendered, a result that changes between runs).
//! Also the loaders the integration tests share (the shipped tree, a tree
//! of files written by a test). Not here: the strategies or fuzz entry
//! points that feed these checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};
use inforce_engine::Case;
use inforce_engine::RuleTree;
use inforce_engine::drawable;
use inforce_engine::evaluate;
use inforce_engine::internal::format::ValueType;
use inforce_engine::{Golden, load, load_with};
use inforce_engine::{SourceFile, read_dir};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use serde_json::{Map, Value, json};

/// The workspace root (`rules/`, `tests/fixtures/` are relative to it):
/// the parent of both the engine crate and the fuzz crate.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate sits inside the workspace")
        .to_path_buf()
}

/// Every shipped rule file (declarations, versions, golden tests).
pub fn shipped_files() -> Vec<SourceFile> {
    let (files, problems) = read_dir(&workspace().join("rules"));
    assert!(problems.is_empty(), "the shipped rules are readable");
    files
}

/// The shipped declarations only: `facts.yaml` and `outcomes.yaml`.
pub fn shipped_declarations() -> Vec<SourceFile> {
    shipped_files()
        .into_iter()
        .filter(|f| {
            f.path.ends_with("facts.yaml")
                || f.path.ends_with("outcomes.yaml")
                || f.path.contains("/code-lists/")
        })
        .collect()
}

/// The shipped rules as a tree of its own (golden tests not run).
pub fn shipped_tree() -> RuleTree {
    shipped_tree_with(Golden::Skip)
}

/// The shipped rules as a tree of its own, golden tests as `golden` says.
pub fn shipped_tree_with(golden: Golden) -> RuleTree {
    load_with(shipped_files(), "rules", golden)
        .tree
        .expect("the shipped rules load")
}

/// The tree of `files` (path, text), which must load without an error.
pub fn tree_of(files: Vec<(&str, String)>) -> RuleTree {
    let files = files
        .into_iter()
        .map(|(path, text)| SourceFile {
            path: path.to_string(),
            text,
        })
        .collect();
    let loaded = load(files, "memory");
    assert!(
        loaded.problems.iter().all(|p| !p.is_error()),
        "{:?}",
        loaded.problems
    );
    loaded.tree.expect("the tree loads")
}

thread_local! {
    /// The shipped tree, loaded once per thread (rhai engines are not `Sync`).
    static SHIPPED: &'static RuleTree = Box::leak(Box::new(
        load(shipped_files(), "rules")
            .tree
            .expect("the shipped rules load"),
    ));
}

/// Runs `f` with the shipped rules tree.
pub fn with_shipped<T>(f: impl FnOnce(&RuleTree) -> T) -> T {
    SHIPPED.with(|t| f(t))
}

/// Renders a diagnostic as the CLI would (graphical, no colour, through
/// the engine's `Drawable`), so that a span outside its source text or any
/// other rendering fault shows up.
pub fn render(d: &dyn Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100_000)
        .with_wrap_lines(false)
        .render_report(&mut out, &drawable(d))
        .expect("a diagnostic renders");
    out
}

/// The shipped example cases, as (file name, text).
pub fn example_cases() -> Vec<(String, String)> {
    let dir = workspace().join("tests/fixtures/cases");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the example cases are readable")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("an example case is text"),
            )
        })
        .collect();
    out.sort();
    out
}

/// Loads `text` as one more rule file beside the shipped declarations.
/// Invariants: the loader never panics; a tree comes back exactly when no
/// problem is an error; every problem renders; a tree that loads evaluates
/// every shipped example case on its own date and at both ends of the
/// calendar without panicking, giving the same result twice. Evaluation
/// stops at the first script error: one is enough to know the limits held,
/// and an endless loop costs a whole operations budget each time.
pub fn check_rule_file(text: &str) {
    let mut files = shipped_declarations();
    files.push(SourceFile {
        path: "rules/kz/fuzzed/2001-07-26.yaml".to_string(),
        text: text.to_string(),
    });
    let loaded = load(files, "rules");
    for p in &loaded.problems {
        render(p);
    }
    assert_eq!(
        loaded.tree.is_some(),
        loaded.errors() == 0,
        "a tree comes back exactly when there is no error"
    );
    let Some(tree) = loaded.tree else { return };
    for (name, case_text) in example_cases() {
        let Ok(case) = Case::from_yaml(&tree, &name, &case_text) else {
            continue;
        };
        let dates = case
            .date
            .into_iter()
            .chain([NaiveDate::MIN, NaiveDate::MAX]);
        for date in dates {
            if !check_evaluation(&tree, &case, date) {
                return;
            }
        }
    }
}

/// Reads `text` as a case with both readers (the YAML reader of `eval`, the
/// JSON reader of `batch`). Invariants: neither panics; every YAML error
/// renders; when both accept the text they read the same case; an accepted
/// case with a date evaluates.
pub fn check_case_text(text: &str) {
    with_shipped(|tree| {
        let from_yaml = Case::from_yaml(tree, "case.yaml", text);
        if let Err(errors) = &from_yaml {
            assert!(!errors.is_empty(), "a refused case says why");
            for e in errors {
                render(e);
            }
        }
        let from_json = Case::from_json(tree, text, "case");
        if let Err(errors) = &from_json {
            assert!(!errors.is_empty(), "a refused case says why");
        }
        if let (Ok(a), Ok(b)) = (&from_yaml, &from_json) {
            assert_eq!(a, b, "both readers read the same case from {text:?}");
        }
        if let Ok(case) = &from_yaml
            && let Some(date) = case.date
        {
            check_evaluation(tree, case, date);
        }
    });
}

/// Evaluates with and without the trace, twice, and checks the results
/// serialise, are the same each time, and answer only declared outcomes.
/// Returns whether the evaluation succeeded (rather than stopping at a
/// script error).
fn check_evaluation(tree: &RuleTree, case: &inforce_engine::Case, date: NaiveDate) -> bool {
    let mut ok = true;
    for explain in [false, true] {
        let first = evaluate(tree, case, date, explain);
        let second = evaluate(tree, case, date, explain);
        match (first, second) {
            (Ok(a), Ok(b)) => {
                let a = serde_json::to_string(&a).expect("a result serialises");
                let b = serde_json::to_string(&b).expect("a result serialises");
                assert_eq!(a, b, "the same case gives the same result");
                let v: Value = serde_json::from_str(&a).expect("the result is JSON");
                for name in v["outcomes"].as_object().expect("outcomes").keys() {
                    assert!(tree.outcomes.contains_key(name), "undeclared {name}");
                }
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "the same error each time");
                render(a.as_ref());
                ok = false;
                break;
            }
            _ => panic!("one evaluation failed and the other did not"),
        }
    }
    ok
}

/// Reads bytes one at a time, then zeros.
pub struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
}

/// A JSON case over the shipped facts and a date to evaluate it on, built
/// from bytes: each declared fact is left out, null, a fitting value, an
/// edge value (the ends of the calendar and of 64-bit integers) or a value
/// of the wrong type. The date is often an edge of the calendar too.
pub fn case_from_bytes(tree: &RuleTree, data: &[u8]) -> (Value, NaiveDate) {
    let mut b = Bytes(data);
    let mut case = Map::new();
    case.insert("id".into(), json!("fuzzed"));
    for (name, def) in &tree.facts {
        let Some((group, field)) = name.split_once('.') else {
            continue;
        };
        let pick = b.next();
        let value = match pick % 8 {
            0 | 1 => continue,
            2 => Value::Null,
            7 => match b.next() % 4 {
                0 => json!("wrong"),
                1 => json!(1.5),
                2 => json!({"nested": [1]}),
                _ => json!(true),
            },
            _ => fitting(def.ty, def.values.as_deref(), &mut b),
        };
        let entry = case
            .entry(group.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(field.to_string(), value);
        }
    }
    let date = match b.next() % 8 {
        0 => NaiveDate::MIN,
        1 => NaiveDate::MAX,
        _ => {
            let days = u64::from(u16::from_le_bytes([b.next(), b.next()]));
            NaiveDate::from_ymd_opt(1985, 1, 1)
                .and_then(|d| d.checked_add_days(Days::new(days)))
                .unwrap_or(NaiveDate::MAX)
        }
    };
    (Value::Object(case), date)
}

fn fitting(ty: ValueType, values: Option<&[String]>, b: &mut Bytes) -> Value {
    let choice = b.next();
    let from_values = |i: u8| {
        values
            .and_then(|v| v.get(usize::from(i) % v.len().max(1)))
            .cloned()
    };
    match ty {
        ValueType::Bool => json!(choice.is_multiple_of(2)),
        ValueType::Int => match choice % 6 {
            0 => json!(i64::MAX),
            1 => json!(i64::MIN),
            2 => json!(0),
            3 => json!(-1),
            _ => json!(i64::from(b.next()) * 3),
        },
        ValueType::Date => match choice % 6 {
            0 => json!("0000-01-01"),
            1 => json!("9999-12-31"),
            2 => json!("2000-02-29"),
            _ => {
                let days = u64::from(u16::from_le_bytes([b.next(), b.next()]));
                let d = NaiveDate::from_ymd_opt(1950, 1, 1)
                    .and_then(|d| d.checked_add_days(Days::new(days % 40_000)))
                    .unwrap_or(NaiveDate::MIN);
                json!(d.to_string())
            }
        },
        ValueType::String => match from_values(choice) {
            Some(v) => json!(v),
            None => match choice % 5 {
                0 => json!("KZ"),
                1 => json!("FR"),
                2 => json!("stateless"),
                3 => json!(""),
                _ => json!("ü".repeat(usize::from(b.next()))),
            },
        },
        ValueType::List => {
            let n = usize::from(choice % 5);
            let items: Vec<Value> = (0..n)
                .map(|_| {
                    let i = b.next();
                    from_values(i).map_or_else(|| json!(format!("item{i}")), Value::String)
                })
                .collect();
            Value::Array(items)
        }
    }
}

/// Builds a case from bytes and evaluates it on the shipped rules.
/// Invariants: as `check_evaluation`, and the case is read the same by the
/// YAML reader (JSON is YAML) as by the JSON reader.
pub fn check_evaluation_of_bytes(data: &[u8]) {
    with_shipped(|tree| {
        let (value, date) = case_from_bytes(tree, data);
        let text = value.to_string();
        let from_json = Case::from_json_value(tree, &value, "case");
        let from_yaml = Case::from_yaml(tree, "case.yaml", &text);
        assert_eq!(
            from_json.is_ok(),
            from_yaml.is_ok(),
            "both readers accept or both refuse {text}: {from_json:?} / {:?}",
            from_yaml
                .as_ref()
                .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())
        );
        let Ok(case) = from_json else { return };
        if let Ok(other) = &from_yaml {
            assert_eq!(&case, other, "both readers read {text} the same");
        }
        check_evaluation(tree, &case, date);
    });
}

// --- rules trees on disk --------------------------------------------------------

/// What the tree checks write outside the tree: it must never be read.
pub const OUTSIDE_SECRET: &str = "oauth_token: outside-secret-5b1e";

/// The limits the tree checks read with: small, so that random trees pass them.
pub const SMALL_LIMITS: inforce_engine::files::Limits = inforce_engine::files::Limits {
    file_bytes: 64,
    tree_bytes: 256,
    files: 12,
};

/// A scratch directory, removed when dropped (std only: the fuzz crate
/// has no `tempfile`).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "inforce-{what}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the checks expect of one entry of a generated tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// A rule file read with this text.
    Read(String),
    /// Refused, with a problem naming it.
    Refused,
    /// A rule file that is not UTF-8: its bytes count toward the tree's
    /// limit (they are read), and it is refused by name once read, so not
    /// at all when the tree as a whole is refused first.
    Undecodable(u64),
    /// Listed and counted, never read (a file that is not a rule file).
    Counted,
}

/// Builds under a scratch directory the tree `data` describes: rule files
/// (some too large, some not UTF-8), other files, directories, links to
/// files and directories inside, to the tree's own parents, to a file and a
/// directory outside holding a secret, to `/dev/zero` and
/// `/proc/self/environ`, named pipes, directories holding `.git`, and
/// hidden entries (some of them links out, too). Then reads it with
/// [`SMALL_LIMITS`]. Invariants: the read ends within ten seconds; nothing
/// outside the tree is read (the secret is in no text and no message);
/// exactly the plain rule files within the limits are read, with their
/// text; every link, pipe and repository in a visible place is refused by
/// name; a tree past the entry or byte limit is refused whole; every
/// problem renders.
pub fn check_tree_of_bytes(data: &[u8]) {
    let scratch = Scratch::new("tree");
    let root = scratch.0.join("rules");
    let outside = scratch.0.join("outside");
    std::fs::create_dir_all(root.join("kz")).unwrap();
    std::fs::create_dir_all(outside.join("gh")).unwrap();
    std::fs::write(outside.join("secret.yaml"), format!("{OUTSIDE_SECRET}\n")).unwrap();
    std::fs::write(outside.join("gh/hosts.yml"), format!("{OUTSIDE_SECRET}\n")).unwrap();

    let mut b = Bytes(data);
    // Directories entries may go into: (relative path, visible and plain).
    let mut dirs: Vec<(String, bool)> = vec![(String::new(), true), ("kz".to_string(), true)];
    // Every path made so far, for links inside the tree.
    let mut made: Vec<String> = vec!["kz".to_string()];
    let mut expect: Vec<(String, Expect)> = Vec::new();
    let ops = 1 + usize::from(b.next() % 24);
    for i in 0..ops {
        let op = b.next() % 11;
        let (parent, visible) = dirs[usize::from(b.next()) % dirs.len()].clone();
        let hidden = op == 10 || b.next() % 8 == 0;
        let name = match (hidden, b.next() % 4) {
            (true, _) => format!(".e{i}.yaml"),
            (false, 0) => format!("e{i}.yml"),
            (false, 1) => format!("e{i}.txt"),
            _ => format!("e{i}.yaml"),
        };
        let rel = if parent.is_empty() {
            name.clone()
        } else {
            format!("{parent}/{name}")
        };
        let path = root.join(&rel);
        let seen = visible && !hidden;
        let is_rule = name.ends_with(".yaml") || name.ends_with(".yml");
        let outcome = match op {
            // A plain file: text of random length, sometimes past the limit.
            0..=2 => {
                let n = usize::from(b.next()) % 90;
                let text = format!("# {}\n", "x".repeat(n));
                std::fs::write(&path, &text).unwrap();
                if !is_rule {
                    Expect::Counted
                } else if text.len() as u64 > SMALL_LIMITS.file_bytes {
                    Expect::Refused
                } else {
                    Expect::Read(text)
                }
            }
            // A file that is not UTF-8 text.
            3 => {
                let bytes: &[u8] = b"a: \xff\xfe\n";
                std::fs::write(&path, bytes).unwrap();
                if is_rule {
                    Expect::Undecodable(bytes.len() as u64)
                } else {
                    Expect::Counted
                }
            }
            // A directory, plain or holding `.git` (a repository).
            4 => {
                std::fs::create_dir_all(&path).unwrap();
                if b.next() % 4 == 0 {
                    std::fs::write(path.join(".git"), "gitdir: ../elsewhere\n").unwrap();
                    std::fs::write(path.join("inside.yaml"), format!("{OUTSIDE_SECRET}\n"))
                        .unwrap();
                    Expect::Refused
                } else {
                    dirs.push((rel.clone(), seen));
                    made.push(rel.clone());
                    continue;
                }
            }
            // A link to something inside the tree, or to the tree itself.
            5 => {
                let target = match b.next() % 4 {
                    0 => "..".to_string(),
                    1 => ".".to_string(),
                    2 => root.display().to_string(),
                    _ => root
                        .join(&made[usize::from(b.next()) % made.len()])
                        .display()
                        .to_string(),
                };
                symlink(&target, &path);
                Expect::Refused
            }
            // A link out of the tree.
            6..=8 => {
                let target = match b.next() % 5 {
                    0 => outside.join("secret.yaml"),
                    1 => outside.join("gh"),
                    2 => PathBuf::from("/dev/zero"),
                    3 => PathBuf::from("/proc/self/environ"),
                    _ => PathBuf::from("/nowhere/at/all"),
                };
                symlink(&target.display().to_string(), &path);
                Expect::Refused
            }
            // A named pipe.
            9 => {
                if !mkfifo(&path) {
                    continue;
                }
                Expect::Refused
            }
            // Hidden (by its name): a link out, or a file holding the secret;
            // never read.
            _ => {
                if b.next() % 2 == 0 {
                    symlink(&outside.join("secret.yaml").display().to_string(), &path);
                } else {
                    std::fs::write(&path, format!("{OUTSIDE_SECRET}\n")).unwrap();
                }
                continue;
            }
        };
        made.push(rel.clone());
        if seen {
            expect.push((path.display().to_string(), outcome));
        }
    }

    let (tx, rx) = std::sync::mpsc::channel();
    let reading = root.clone();
    std::thread::spawn(move || {
        let _ = tx.send(inforce_engine::files::read_dir_with(
            &reading,
            &SMALL_LIMITS,
        ));
    });
    let (files, problems) = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("reading a rules tree ends within ten seconds (a link or pipe was followed?)");

    let rendered: Vec<String> = problems.iter().map(|p| render(p)).collect();
    for (text, what) in files
        .iter()
        .map(|f| (&f.text, &f.path))
        .chain(rendered.iter().map(|r| (r, r)))
    {
        assert!(
            !text.contains(OUTSIDE_SECRET) && !text.contains("PATH="),
            "nothing outside the tree is read: {what}"
        );
    }
    for f in &files {
        assert!(f.text.len() as u64 <= SMALL_LIMITS.file_bytes, "{}", f.path);
    }
    let total: usize = files.iter().map(|f| f.text.len()).sum();
    assert!(total as u64 <= SMALL_LIMITS.tree_bytes);

    let listed = expect.len();
    let bytes: u64 = expect
        .iter()
        .filter_map(|(_, e)| match e {
            Expect::Read(t) => Some(t.len() as u64),
            Expect::Undecodable(n) => Some(*n),
            _ => None,
        })
        .sum();
    let whole_refused = listed > SMALL_LIMITS.files || bytes > SMALL_LIMITS.tree_bytes;
    let refused_by_name = |e: &Expect| match e {
        Expect::Refused => true,
        Expect::Undecodable(_) => !whole_refused,
        _ => false,
    };
    let code =
        |p: &inforce_engine::RuleProblem| p.code().map(|c| c.to_string()).unwrap_or_default();
    if whole_refused {
        assert!(
            files.is_empty(),
            "a tree past its limits is not read: {files:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| code(p) == "inforce::io::tree_too_large"),
            "{rendered:#?}"
        );
        if listed > SMALL_LIMITS.files {
            assert_eq!(problems.len(), 1, "{rendered:#?}");
            return;
        }
    } else {
        let mut want: Vec<(String, String)> = expect
            .iter()
            .filter_map(|(p, e)| match e {
                Expect::Read(t) => Some((p.clone(), t.clone())),
                _ => None,
            })
            .collect();
        want.sort();
        let got: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        assert_eq!(
            got, want,
            "exactly the plain rule files are read: {rendered:#?}"
        );
    }
    for (path, e) in &expect {
        let named = rendered.iter().any(|r| r.contains(&format!("`{path}`")));
        assert_eq!(
            named,
            refused_by_name(e),
            "{path} ({e:?}) is refused by name exactly when it should be: {rendered:#?}"
        );
    }
    let refused = expect.iter().filter(|(_, e)| refused_by_name(e)).count();
    let tree_level = usize::from(bytes > SMALL_LIMITS.tree_bytes);
    assert_eq!(
        problems.len(),
        refused + tree_level,
        "one problem for each refused entry: {rendered:#?}"
    );
}

#[cfg(unix)]
fn symlink(target: &str, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

#[cfg(not(unix))]
fn symlink(_target: &str, _at: &Path) {}

/// Makes a named pipe with the system's `mkfifo`; false where there is none.
fn mkfifo(at: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(at)
        .status()
        .is_ok_and(|s| s.success())
}
