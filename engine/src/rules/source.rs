//! Rule files as (path, text) pairs, read from a directory or handed over
//! from memory (the CLI embeds the shipped rules), and what a rules tree may
//! hold, which the CLI's reader of git revisions applies too: plain files
//! and directories only, never followed out of the tree, within size limits
//! checked before anything is read, and never echoed when refused. Not here:
//! parsing, or which directory holds the rules (the CLI's choice).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::RuleProblem;

/// One rule file: a path relative to the rules root, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's path, relative to the rules root.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// How much a rules tree may hold. The shipped law is 34 files and 235 KB;
/// the limits are far above any real tree and far below what would exhaust
/// a reviewer's machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one rule file.
    pub file_bytes: u64,
    /// Bytes of all the rule files of a tree together.
    pub tree_bytes: u64,
    /// Entries of a tree that are not directories (rule files, other
    /// files, and everything refused), hidden ones apart.
    pub files: usize,
}

impl Limits {
    /// 4 MiB a file, 64 MiB and 10,000 files a tree.
    pub const DEFAULT: Limits = Limits {
        file_bytes: 4 << 20,
        tree_bytes: 64 << 20,
        files: 10_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A size in words: `4 MiB`, `1 KiB`, `100 bytes`.
pub fn size_words(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes & ((1 << 20) - 1) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes & ((1 << 10) - 1) == 0 {
        format!("{} KiB", bytes >> 10)
    } else if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

/// A count with thousands separated: `10,000`.
fn count_words(n: usize) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or_default())
        .collect();
    groups.join(",")
}

/// Whether a file name is that of a rule file.
pub fn is_rule_file_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Whether a path relative to the rules root (`/`-separated) is hidden:
/// some part of it starts with a dot. Hidden entries are skipped unseen,
/// by the directory reader and by the git reader alike.
pub fn is_hidden(rel: &str) -> bool {
    rel.split('/').any(|part| part.starts_with('.'))
}

/// What an entry of a rules tree that is not a directory is, as listed,
/// never as followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A plain file of this many bytes.
    File(u64),
    /// A symbolic link (git mode 120000).
    Link,
    /// A git submodule (git mode 160000), or a directory holding `.git`.
    Submodule,
    /// A named pipe, socket, device or anything else, in words.
    Special(&'static str),
}

/// A rule file that passed the listing, to be read.
#[derive(Debug)]
pub struct Pending<H> {
    /// The path as shown to the user.
    pub path: String,
    /// How the reader finds it again (a path, a git object id).
    pub handle: H,
    /// Its size as listed.
    pub size: u64,
}

/// The entries of a tree as listed, before any file is read: the rule
/// files to read, and every entry refused. Both readers of a tree (a
/// directory, a git revision) feed it alike, so both refuse the same
/// entries in the same words.
#[derive(Debug)]
pub struct Survey<H> {
    label: String,
    limits: Limits,
    files: usize,
    bytes: u64,
    too_many: bool,
    pending: Vec<Pending<H>>,
    problems: Vec<RuleProblem>,
}

impl<H> Survey<H> {
    /// A survey of the tree shown as `label`.
    pub fn new(label: &str, limits: Limits) -> Self {
        Survey {
            label: label.to_string(),
            limits,
            files: 0,
            bytes: 0,
            too_many: false,
            pending: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Records an entry that is not a directory (and not hidden): `name` is
    /// its file name. Returns `false` once the tree has more entries than
    /// the limit: the caller stops listing.
    pub fn entry(&mut self, path: String, name: &str, kind: Kind, handle: H) -> bool {
        self.files += 1;
        if self.files > self.limits.files {
            self.too_many = true;
            return false;
        }
        match kind {
            Kind::Link => self.problems.push(RuleProblem::Link { path }),
            Kind::Submodule => self.problems.push(RuleProblem::Submodule { path }),
            Kind::Special(kind) => self.problems.push(RuleProblem::SpecialFile {
                path,
                kind: kind.to_string(),
            }),
            Kind::File(size) if is_rule_file_name(name) => {
                if size > self.limits.file_bytes {
                    self.problems.push(RuleProblem::FileTooLarge {
                        path,
                        limit: size_words(self.limits.file_bytes),
                    });
                } else {
                    self.bytes = self.bytes.saturating_add(size);
                    self.pending.push(Pending { path, handle, size });
                }
            }
            Kind::File(_) => {}
        }
        true
    }

    /// A problem found while listing (a directory that cannot be read).
    pub fn problem(&mut self, problem: RuleProblem) {
        self.problems.push(problem);
    }

    /// The rule files to read and the problems so far. A tree with too
    /// many entries, or too many bytes of rule files, is refused whole:
    /// nothing of it is read.
    pub fn finish(self) -> (Vec<Pending<H>>, Vec<RuleProblem>) {
        if self.too_many {
            let problem = RuleProblem::TreeTooLarge {
                path: self.label,
                limit: format!("{} files", count_words(self.limits.files)),
            };
            return (Vec::new(), vec![problem]);
        }
        let mut problems = self.problems;
        if self.bytes > self.limits.tree_bytes {
            problems.push(tree_too_large_bytes(self.label, &self.limits));
            return (Vec::new(), problems);
        }
        (self.pending, problems)
    }
}

fn tree_too_large_bytes(label: String, limits: &Limits) -> RuleProblem {
    RuleProblem::TreeTooLarge {
        path: label,
        limit: format!("{} of rule files", size_words(limits.tree_bytes)),
    }
}

/// A rule file's bytes as text, or why not; never a piece of the bytes,
/// which may be anything.
pub fn admit(
    path: String,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<SourceFile, Box<RuleProblem>> {
    if bytes.len() as u64 > limits.file_bytes {
        return Err(Box::new(RuleProblem::FileTooLarge {
            path,
            limit: size_words(limits.file_bytes),
        }));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile { path, text }),
        Err(e) => Err(Box::new(RuleProblem::Io {
            path,
            reason: format!(
                "the file is not UTF-8 text (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })),
    }
}

/// Reads at most `limit` bytes: `None` when there are more.
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Reads every `*.yaml` / `*.yml` file under `root`, recursively, with
/// paths as given by `root` joined with the relative path, within
/// [`Limits::DEFAULT`]. Refused and unreadable entries are problems; the
/// rest are still returned.
pub fn read_dir(root: &Path) -> (Vec<SourceFile>, Vec<RuleProblem>) {
    read_dir_with(root, &Limits::DEFAULT)
}

/// As [`read_dir`], within `limits`. Nothing is followed: a symbolic link
/// anywhere below `root` is refused, as are named pipes, sockets, devices
/// and directories holding `.git`; hidden entries (a name starting with a
/// dot) are skipped. The whole tree is listed, and its sizes and number of
/// entries checked, before any file is opened; each file is then read
/// only up to its limit.
pub fn read_dir_with(root: &Path, limits: &Limits) -> (Vec<SourceFile>, Vec<RuleProblem>) {
    if let Err(problem) = check_root(root) {
        return (Vec::new(), vec![*problem]);
    }
    let mut survey: Survey<Listed> = Survey::new(&root.display().to_string(), *limits);
    let mut todo = vec![root.to_path_buf()];
    'walk: while let Some(dir) = todo.pop() {
        let mut entries = Vec::new();
        match std::fs::read_dir(&dir) {
            Ok(list) => {
                for entry in list {
                    match entry {
                        Ok(e) => entries.push(e),
                        Err(e) => survey.problem(RuleProblem::Io {
                            path: dir.display().to_string(),
                            reason: e.to_string(),
                        }),
                    }
                }
            }
            Err(e) => {
                survey.problem(RuleProblem::Io {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                });
                continue;
            }
        }
        // In name order, so that a tree is listed the same way everywhere.
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for entry in entries {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let shown = path.display().to_string();
            // The entry's own type: `DirEntry::file_type` never follows a link.
            let ty = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    survey.problem(RuleProblem::Io {
                        path: shown,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            if ty.is_dir() {
                if std::fs::symlink_metadata(path.join(".git")).is_ok() {
                    if !survey.entry(shown, &name, Kind::Submodule, Listed::none(path)) {
                        break 'walk;
                    }
                } else {
                    subdirs.push(path);
                }
                continue;
            }
            let (kind, listed) = if ty.is_symlink() {
                (Kind::Link, Listed::none(path))
            } else if ty.is_file() {
                // `DirEntry::metadata` does not follow a link either.
                match entry.metadata() {
                    Ok(m) => (Kind::File(m.len()), Listed::of(path, &m)),
                    Err(e) => {
                        survey.problem(RuleProblem::Io {
                            path: shown,
                            reason: e.to_string(),
                        });
                        continue;
                    }
                }
            } else {
                (Kind::Special(special_kind(&ty)), Listed::none(path))
            };
            if !survey.entry(shown, &name, kind, listed) {
                break 'walk;
            }
        }
        // Popped in name order.
        todo.extend(subdirs.into_iter().rev());
    }
    let (pending, mut problems) = survey.finish();
    let mut files = Vec::new();
    let mut read: u64 = 0;
    for p in pending {
        let bytes = match read_listed(&p.handle, limits.file_bytes) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                problems.push(RuleProblem::FileTooLarge {
                    path: p.path,
                    limit: size_words(limits.file_bytes),
                });
                continue;
            }
            Err(reason) => {
                problems.push(RuleProblem::Io {
                    path: p.path,
                    reason,
                });
                continue;
            }
        };
        // A file may have grown since it was listed.
        read = read.saturating_add(bytes.len() as u64);
        if read > limits.tree_bytes {
            problems.push(tree_too_large_bytes(root.display().to_string(), limits));
            return (Vec::new(), problems);
        }
        match admit(p.path, bytes, limits) {
            Ok(f) => files.push(f),
            Err(problem) => problems.push(*problem),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, problems)
}

/// Checks the directory a tree is read from: it must be a directory, not
/// a link to one, and (for a relative path) no part of the path to it may
/// be a link, since a rules tree in a checkout is whatever its last commit
/// made it.
fn check_root(root: &Path) -> Result<(), Box<RuleProblem>> {
    const HELP: &str = "name the directory of rule files itself, with `--rules` or `$INFORCE_RULES`, or run inforce where `./rules` is that directory";
    let refuse = |reason: String| {
        Box::new(RuleProblem::RulesRoot {
            path: root.display().to_string(),
            reason,
            help: HELP.to_string(),
        })
    };
    let missing = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            refuse("there is no such directory".to_string())
        } else {
            refuse(e.to_string())
        }
    };
    // `rules/` would be followed by the system if it were a link: look at `rules`.
    let clean: PathBuf = root.components().collect();
    if clean.as_os_str().is_empty() {
        return Err(refuse("the path is empty".to_string()));
    }
    if clean.is_relative() {
        let mut prefix = PathBuf::new();
        for part in clean.components() {
            prefix.push(part);
            if matches!(part, Component::CurDir | Component::ParentDir) || prefix == clean {
                continue;
            }
            let meta = std::fs::symlink_metadata(&prefix).map_err(missing)?;
            if meta.file_type().is_symlink() {
                return Err(refuse(format!(
                    "`{}` on the way to it is a symbolic link, which is never followed",
                    prefix.display()
                )));
            }
        }
    }
    let meta = std::fs::symlink_metadata(&clean).map_err(missing)?;
    if meta.file_type().is_symlink() {
        return Err(refuse(
            "it is a symbolic link, which is never followed".to_string(),
        ));
    }
    if !meta.is_dir() {
        let what = if meta.is_file() {
            "a file"
        } else {
            special_kind(&meta.file_type())
        };
        return Err(refuse(format!("it is {}, not a directory", a_or_an(what))));
    }
    Ok(())
}

fn a_or_an(what: &str) -> String {
    if what.starts_with("a ") {
        what.to_string()
    } else if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// A file as listed: its path and, on Unix, which file it was (device and
/// inode), so that the file opened is the file listed.
#[derive(Debug)]
struct Listed {
    path: PathBuf,
    id: Option<(u64, u64)>,
}

impl Listed {
    fn none(path: PathBuf) -> Self {
        Listed { path, id: None }
    }

    #[cfg(unix)]
    fn of(path: PathBuf, meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Listed {
            path,
            id: Some((meta.dev(), meta.ino())),
        }
    }

    #[cfg(not(unix))]
    fn of(path: PathBuf, _meta: &std::fs::Metadata) -> Self {
        Listed { path, id: None }
    }
}

/// Reads a listed file, at most `limit` bytes (`None` when larger). The
/// file opened must still be a plain file, and on Unix the very file that
/// was listed: if the entry was replaced by a link since, the link's
/// target is not read.
fn read_listed(listed: &Listed, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let file = std::fs::File::open(&listed.path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it stopped being a plain file while the rules were read".to_string());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if listed.id.is_some_and(|id| id != (meta.dev(), meta.ino())) {
            return Err("it was replaced while the rules were read".to_string());
        }
    }
    if meta.len() > limit {
        return Ok(None);
    }
    read_at_most(file, limit).map_err(|e| e.to_string())
}

/// What a special file is, in words.
fn special_kind(ty: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "named pipe";
        }
        if ty.is_socket() {
            return "socket";
        }
        if ty.is_block_device() {
            return "block device";
        }
        if ty.is_char_device() {
            return "character device";
        }
    }
    if ty.is_symlink() {
        return "symbolic link";
    }
    "special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yaml_files_are_read_hidden_ones_are_skipped_and_bad_encoding_is_a_problem() {
        let dir = std::env::temp_dir().join(format!("inforce-source-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/.hidden")).unwrap();
        std::fs::write(dir.join("a/x.yaml"), "facts: {}").unwrap();
        std::fs::write(dir.join("a/y.yml"), "facts: {}").unwrap();
        std::fs::write(dir.join("a/notes.md"), "not rules").unwrap();
        std::fs::write(dir.join("a/.hidden/z.yaml"), "facts: {}").unwrap();
        std::fs::write(dir.join("bad.yaml"), [0xff, 0xfe, 0x00]).unwrap();
        let (files, problems) = read_dir(&dir);
        let names: Vec<String> = files
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(names, vec!["x.yaml", "y.yml"]);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].to_string().contains("not UTF-8"),
            "{}",
            problems[0]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_a_problem_not_a_panic() {
        let (files, problems) = read_dir(Path::new("/definitely/not/here"));
        assert!(files.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(matches!(problems[0], RuleProblem::RulesRoot { .. }));
        assert!(
            problems[0]
                .to_string()
                .ends_with("there is no such directory"),
            "{}",
            problems[0]
        );
    }

    /// A scratch directory of this test process, removed when dropped.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir =
                std::env::temp_dir().join(format!("inforce-source-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("rules/kz")).unwrap();
            std::fs::create_dir_all(dir.join("outside")).unwrap();
            std::fs::write(dir.join("outside/secret.yaml"), "token: outside-secret\n").unwrap();
            Scratch(dir)
        }

        fn rules(&self) -> std::path::PathBuf {
            self.0.join("rules")
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn messages(problems: &[RuleProblem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    #[cfg(unix)]
    #[test]
    fn links_pipes_and_repositories_are_refused_by_name_and_never_followed() {
        use std::os::unix::fs::symlink;
        let t = Scratch::new("refusals");
        let kz = t.rules().join("kz");
        std::fs::write(kz.join("facts.yaml"), "facts: {}\n").unwrap();
        symlink(t.0.join("outside/secret.yaml"), kz.join("leak.yaml")).unwrap();
        symlink(t.0.join("outside"), kz.join("out")).unwrap();
        symlink("..", kz.join("up")).unwrap();
        symlink("facts.yaml", kz.join("inside.yaml")).unwrap();
        std::fs::create_dir_all(kz.join("vendored")).unwrap();
        std::fs::write(kz.join("vendored/.git"), "gitdir: x\n").unwrap();
        std::fs::write(kz.join("vendored/v.yaml"), "facts: {}\n").unwrap();
        let piped = std::process::Command::new("mkfifo")
            .arg(kz.join("pipe.yaml"))
            .status()
            .is_ok_and(|s| s.success());
        // A hidden link is skipped unseen, as every hidden entry is.
        symlink(t.0.join("outside/secret.yaml"), kz.join(".hidden.yaml")).unwrap();

        let (files, problems) = read_dir(&t.rules());
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let kz_shown = kz.display().to_string();
        assert_eq!(names, vec![format!("{kz_shown}/facts.yaml")]);
        let mut want = vec![
            format!(
                "`{kz_shown}/inside.yaml` is a symbolic link, and a rules tree holds only plain files and directories"
            ),
            format!(
                "`{kz_shown}/leak.yaml` is a symbolic link, and a rules tree holds only plain files and directories"
            ),
            format!(
                "`{kz_shown}/out` is a symbolic link, and a rules tree holds only plain files and directories"
            ),
            format!(
                "`{kz_shown}/up` is a symbolic link, and a rules tree holds only plain files and directories"
            ),
            format!(
                "`{kz_shown}/vendored` is a git submodule or another repository, not part of the rules tree"
            ),
        ];
        if piped {
            want.insert(
                3,
                format!("`{kz_shown}/pipe.yaml` is a named pipe, not a plain file or directory"),
            );
        }
        assert_eq!(messages(&problems), want);
    }

    #[test]
    fn a_file_past_its_limit_is_refused_by_name_and_the_rest_is_read() {
        let t = Scratch::new("file-limit");
        let kz = t.rules().join("kz");
        std::fs::write(kz.join("small.yaml"), "a: 1\n").unwrap();
        std::fs::write(kz.join("big.yaml"), "b: ".repeat(40)).unwrap();
        let limits = Limits {
            file_bytes: 100,
            ..Limits::DEFAULT
        };
        let (files, problems) = read_dir_with(&t.rules(), &limits);
        assert_eq!(files.len(), 1);
        assert_eq!(
            messages(&problems),
            vec![format!(
                "`{}` is larger than 100 bytes, the most a rule file may hold",
                kz.join("big.yaml").display()
            )]
        );
    }

    #[test]
    fn a_tree_past_its_limits_is_refused_whole_before_any_file_is_read() {
        let t = Scratch::new("tree-limit");
        let kz = t.rules().join("kz");
        for i in 0..4 {
            std::fs::write(kz.join(format!("{i}.yaml")), "x".repeat(30)).unwrap();
        }
        std::fs::write(kz.join("notes.md"), "not a rule file").unwrap();
        let shown = t.rules().display().to_string();
        let bytes = Limits {
            tree_bytes: 100,
            ..Limits::DEFAULT
        };
        let (files, problems) = read_dir_with(&t.rules(), &bytes);
        assert!(files.is_empty());
        assert_eq!(
            messages(&problems),
            vec![format!(
                "the rules tree `{shown}` holds more than 100 bytes of rule files"
            )]
        );
        // Every entry but a directory counts, rule file or not.
        let count = Limits {
            files: 4,
            ..Limits::DEFAULT
        };
        let (files, problems) = read_dir_with(&t.rules(), &count);
        assert!(files.is_empty());
        assert_eq!(
            messages(&problems),
            vec![format!("the rules tree `{shown}` holds more than 4 files")]
        );
        let (files, problems) = read_dir_with(
            &t.rules(),
            &Limits {
                files: 5,
                tree_bytes: 120,
                ..Limits::DEFAULT
            },
        );
        assert_eq!((files.len(), problems.len()), (4, 0));
    }

    #[cfg(unix)]
    #[test]
    fn the_root_must_be_a_directory_reached_without_a_link() {
        use std::os::unix::fs::symlink;
        let t = Scratch::new("root");
        symlink(t.rules(), t.0.join("linked")).unwrap();
        std::fs::write(t.0.join("file"), "x").unwrap();
        let reason = |root: &Path| match read_dir(root).1.as_slice() {
            [RuleProblem::RulesRoot { reason, .. }] => reason.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(&t.0.join("linked")),
            "it is a symbolic link, which is never followed"
        );
        assert_eq!(
            reason(&t.0.join("linked/")),
            "it is a symbolic link, which is never followed"
        );
        assert_eq!(reason(&t.0.join("file")), "it is a file, not a directory");
        assert!(read_dir(&t.rules()).1.is_empty());
        assert!(read_dir(&t.0.join("rules/")).1.is_empty());
    }

    #[test]
    fn hidden_paths_and_rule_file_names_are_told_alike_for_both_readers() {
        assert!(is_rule_file_name("facts.yaml"));
        assert!(is_rule_file_name("x.yml"));
        assert!(!is_rule_file_name("README.md"));
        assert!(is_hidden(".drafts/x.yaml"));
        assert!(is_hidden("kz/.x.yaml"));
        assert!(!is_hidden("kz/facts.yaml"));
    }

    #[test]
    fn sizes_and_counts_are_said_in_words() {
        assert_eq!(size_words(4 << 20), "4 MiB");
        assert_eq!(size_words(64 << 20), "64 MiB");
        assert_eq!(size_words(2048), "2 KiB");
        assert_eq!(size_words(100), "100 bytes");
        assert_eq!(count_words(10_000), "10,000");
        assert_eq!(count_words(12), "12");
        assert_eq!(count_words(1_234_567), "1,234,567");
    }

    #[test]
    fn reading_stops_one_byte_past_the_limit() {
        let endless = std::io::repeat(b'x');
        assert_eq!(read_at_most(endless, 10).unwrap(), None);
        assert_eq!(
            read_at_most(&b"0123456789"[..], 10).unwrap(),
            Some(b"0123456789".to_vec())
        );
    }
}
