//! What the engine's unit tests share: the shipped rules, loaded once per
//! test binary. Test-only; not part of the library.

use crate::rules::tree::RuleTree;

/// The shipped rules (`rules/` at the repository's root), loaded once.
pub(crate) fn shipped() -> &'static RuleTree {
    static TREE: std::sync::OnceLock<RuleTree> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, problems) = crate::rules::source::read_dir(&root);
        assert!(problems.is_empty(), "{problems:?}");
        crate::rules::load::load(files, "rules").tree.unwrap()
    })
}
