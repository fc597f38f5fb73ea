//! What the CLI's end-to-end tests share about the workspace: where it
//! is (the shipped `rules/`, the fixtures), copying a tree of it into a
//! test's own directory, and the git variables a test's git must not
//! inherit. Not here: running the binary or reading its output, which
//! each test file shapes to what it checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root, where the shipped `rules/` are.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the cli crate sits inside the workspace")
        .to_path_buf()
}

/// Copies the directory `from`, and every directory in it, to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Variables git sets for its hooks (or a user may have set) that would
/// point a test's git, or the binary's, at another repository or index.
pub const GIT_VARS: [&str; 8] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
];
