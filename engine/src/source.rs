//! Rule files as (path, text) pairs, read from a directory or handed over
//! from memory (the CLI embeds the shipped rules). Not here: parsing.

use std::path::Path;

use crate::diagnostics::RuleProblem;

/// One rule file: a path relative to the rules root, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// Reads every `*.yaml` / `*.yml` file under `root`, recursively, with
/// paths as given by `root` joined with the relative path. Unreadable files
/// are problems; the rest are still returned.
pub fn read_dir(root: &Path) -> (Vec<SourceFile>, Vec<RuleProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    if !root.is_dir() {
        problems.push(RuleProblem::Io {
            path: root.display().to_string(),
            reason: "not a directory".to_string(),
        });
        return (files, problems);
    }
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                problems.push(RuleProblem::Io {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                todo.push(path);
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                match std::fs::read(&path) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => files.push(SourceFile {
                            path: path.display().to_string(),
                            text,
                        }),
                        Err(_) => problems.push(RuleProblem::Io {
                            path: path.display().to_string(),
                            reason: "the file is not UTF-8 text".to_string(),
                        }),
                    },
                    Err(e) => problems.push(RuleProblem::Io {
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    }),
                }
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, problems)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
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
    }
}
