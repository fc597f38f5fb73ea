//! The rules' digest: SHA-256 over every file's path (relative to the
//! files' common directory) and text. Not here: reading or checking files.

use sha2::{Digest, Sha256};

use crate::rules::source::SourceFile;

/// SHA-256 over every file's path and text, in path order. Paths are taken
/// relative to the files' common directory, so the same rules give the same
/// digest whether read as `rules`, `./rules`, an absolute path or embedded.
pub(super) fn digest(files: &[SourceFile]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_directory_of_rule_files_is_found_whatever_the_root_is_called() {
        let a = ["./rules/kz/a.yaml", "./rules/kz/b/c.yaml"];
        assert_eq!(common_dir(a.into_iter()), "./rules/kz/".len());
        let b = ["/abs/rules/kz/a.yaml", "/abs/rules/x.yaml"];
        assert_eq!(common_dir(b.into_iter()), "/abs/rules/".len());
        assert_eq!(common_dir(["a.yaml"].into_iter()), 0);
    }
}
