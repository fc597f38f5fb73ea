//! The tree being served and what the last reload said. A request takes
//! the current snapshot once, at its start, and answers from it to its
//! end: a reload swaps in a new snapshot whole and never changes one in
//! use. Not here: watching the directory (`watch`).

use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use axum::body::Bytes;
use inforce_engine::RuleTree;

use crate::problem::Problem;

/// One tree, with what is computed from it once rather than per request.
pub struct Snapshot {
    /// The tree.
    pub tree: RuleTree,
    /// When it was loaded, as RFC 3339.
    pub loaded_at: String,
    /// `GET /v1/timeline`: bodies that change only with the tree are
    /// written once, when it is loaded.
    pub timeline: Bytes,
    /// `GET /v1/rule-sets`.
    pub rule_sets: Bytes,
    /// `GET /v1/vocabulary`.
    pub vocabulary: Bytes,
    /// `GET /v1/schema/case`.
    pub case_schema: Bytes,
}

impl Snapshot {
    fn new(tree: RuleTree) -> Snapshot {
        let timeline = crate::law::timeline_json(&tree);
        let rule_sets = crate::law::rule_sets_json(&tree);
        let vocabulary = crate::law::vocabulary_json(&tree);
        let case_schema = crate::law::case_schema_json(&tree);
        Snapshot {
            tree,
            loaded_at: now(),
            timeline,
            rule_sets,
            vocabulary,
            case_schema,
        }
    }
}

/// What the last attempt to reload said.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReloadState {
    /// `off` (nothing watched), `ok` (the served tree is the latest),
    /// `failed` (the latest edit did not load; an older tree is served).
    pub state: &'static str,
    /// When the last attempt ended, as RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Every problem of the last attempt (warnings too, when it loaded).
    pub problems: Vec<Problem>,
}

/// The served tree and the reload state, shared by every request.
#[derive(Clone)]
pub struct Live {
    tree: Arc<ArcSwap<Snapshot>>,
    reload: Arc<ArcSwap<ReloadState>>,
}

impl Live {
    /// Serves `tree`; `watched` says whether reloads will come.
    pub fn new(tree: RuleTree, watched: bool) -> Live {
        let state = ReloadState {
            state: if watched { "ok" } else { "off" },
            at: None,
            problems: Vec::new(),
        };
        Live {
            tree: Arc::new(ArcSwap::from_pointee(Snapshot::new(tree))),
            reload: Arc::new(ArcSwap::from_pointee(state)),
        }
    }

    /// The snapshot to answer one request from.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.tree.load_full()
    }

    /// What the last reload said.
    pub fn reload_state(&self) -> Arc<ReloadState> {
        self.reload.load_full()
    }

    /// Serves `tree` from now on; requests already running keep theirs.
    pub(crate) fn swap(&self, tree: RuleTree, warnings: Vec<Problem>) {
        self.tree.store(Arc::new(Snapshot::new(tree)));
        self.reload.store(Arc::new(ReloadState {
            state: "ok",
            at: Some(now()),
            problems: warnings,
        }));
    }

    /// The files loaded are those of the tree served: nothing to swap,
    /// but a failure reported before is over.
    pub(crate) fn confirm(&self, warnings: Vec<Problem>) {
        self.reload.store(Arc::new(ReloadState {
            state: "ok",
            at: Some(now()),
            problems: warnings,
        }));
    }

    /// Keeps the tree, and says why the new one was refused.
    pub(crate) fn refuse(&self, problems: Vec<Problem>) {
        self.reload.store(Arc::new(ReloadState {
            state: "failed",
            at: Some(now()),
            problems,
        }));
    }

    /// The directory cannot be watched: say so on `/v1/health`.
    pub(crate) fn watch_failed(&self, reason: &str) {
        self.reload.store(Arc::new(ReloadState {
            state: "off",
            at: Some(now()),
            problems: vec![Problem::message(
                "inforce::serve::watch",
                format!("the rules directory is not watched: {reason}"),
                Some("restart the server to pick up changes to the rules".to_string()),
            )],
        }));
    }
}

fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
