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
