//! Watching the rules directory: a change is loaded and checked off the
//! request threads, then swapped in whole if it has no errors; a tree that
//! fails is never served, and the old one stays live with the failure on
//! `/v1/health`. Bursts of events (an editor's save, a `git checkout`)
//! are read as one change. Not here: what a snapshot holds (`state`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::Event;
use crate::problem::Problem;
use crate::state::Live;

/// Quiet time that ends a burst of events.
const SETTLE: Duration = Duration::from_millis(15);
/// A burst that never settles is loaded after this long anyway.
const LONGEST_BURST: Duration = Duration::from_millis(500);

type Load = Box<dyn Fn() -> inforce_engine::Loaded + Send + Sync>;

/// Watches `dir` until the returned watcher is dropped.
pub fn start(
    dir: PathBuf,
    load: Load,
    live: Live,
    on_event: Arc<dyn Fn(Event) + Send + Sync>,
) -> Result<notify::RecommendedWatcher, String> {
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads change nothing; everything else (and an error, which may
        // mean events were lost) is worth a reload.
        let read_only = matches!(&event, Ok(e) if matches!(e.kind, notify::EventKind::Access(_)));
        if !read_only {
            let _ = tx.send(());
        }
    })
    .map_err(|e| e.to_string())?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(|e| format!("`{}`: {e}", dir.display()))?;
    std::thread::Builder::new()
        .name("inforce-reload".to_string())
        .spawn(move || reload_loop(&rx, &load, &live, on_event.as_ref()))
        .map_err(|e| e.to_string())?;
    Ok(watcher)
}

fn reload_loop(
    rx: &mpsc::Receiver<()>,
    load: &Load,
    live: &Live,
    on_event: &(dyn Fn(Event) + Send + Sync),
) {
    // Ends when the watcher (the sender) is dropped.
    while rx.recv().is_ok() {
        let seen = Instant::now();
        loop {
            match rx.recv_timeout(SETTLE) {
                Ok(()) if seen.elapsed() < LONGEST_BURST => continue,
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        reload(load, live, on_event, seen);
    }
}

/// Loads the tree again and serves it, or keeps the old one and says why.
pub fn reload(load: &Load, live: &Live, on_event: &(dyn Fn(Event) + Send + Sync), seen: Instant) {
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(load));
    let Ok(loaded) = loaded else {
        let problems = vec![Problem::message(
            "inforce::serve::internal",
            "internal error while loading the rules; the tree served before is still served"
                .to_string(),
            Some("please report it".to_string()),
        )];
        live.refuse(problems.clone());
        on_event(Event::ReloadFailed { problems });
        return;
    };
    let problems: Vec<Problem> = loaded.problems.iter().map(|p| Problem::of(p)).collect();
    match loaded.tree {
        Some(tree) => {
            let digest = tree.digest.clone();
            // The same files again (a save without a change, an edit
            // undone): the tree served is already this one.
            if live.snapshot().tree.digest == digest {
                live.confirm(problems);
                return;
            }
            live.swap(tree, problems);
            on_event(Event::Reloaded {
                digest,
                took: seen.elapsed(),
            });
        }
        None => {
            live.refuse(problems.clone());
            on_event(Event::ReloadFailed { problems });
        }
    }
}
