//! Panics inside `batch`'s workers: while a run lasts, a worker's panic is
//! recorded quietly (where it happened) and becomes the error line of the
//! line it was evaluating, so one line's bug loses no other line and a bug
//! hit on every line does not flood stderr. Not here: the error line's
//! shape (`line`).

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Arc;
use std::thread;

/// Prefix of worker thread names: the panic hook recognises workers by it.
pub(super) const WORKER: &str = "inforce-batch-";

/// The pool of `jobs` worker threads (every core without it), named so
/// that the quiet panic hook knows them.
pub(super) fn worker_pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, crate::exit::Failure> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .thread_name(|i| format!("{WORKER}{i}"))
        .build()
        .map_err(|e| {
            crate::errln!("cannot start the worker threads: {e}");
            crate::exit::Failure::Internal
        })
}

thread_local! {
    /// Where this worker last panicked, recorded by the quiet panic hook.
    static PANICKED_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into this line's error: one line's bug must
/// not lose the others. The rules tree is only read, never changed, by an
/// evaluation, so a panic leaves it as it was for the next line.
pub(super) fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            let at = PANICKED_AT
                .with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.take()))
                .map(|at| format!(" (at {at})"))
                .unwrap_or_default();
            Err(format!(
                "internal error while evaluating this line: {what}{at}; please report it"
            ))
        }
    }
}

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While a run lasts, a worker's panic is recorded (where it happened)
/// instead of printed: it becomes that line's error, and a bug hit on
/// every line must not flood stderr. Panics elsewhere print as before.
pub(super) struct QuietPanics {
    previous: Arc<Hook>,
}

impl QuietPanics {
    pub(super) fn install() -> QuietPanics {
        let previous: Arc<Hook> = Arc::new(panic::take_hook());
        let forward = Arc::clone(&previous);
        panic::set_hook(Box::new(move |info| {
            let worker = thread::current()
                .name()
                .is_some_and(|n| n.starts_with(WORKER));
            if worker {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANICKED_AT.with(|p| {
                    if let Ok(mut p) = p.try_borrow_mut() {
                        *p = at;
                    }
                });
            } else {
                forward(info);
            }
        }));
        QuietPanics { previous }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        let previous = Arc::clone(&self.previous);
        drop(panic::take_hook());
        panic::set_hook(Box::new(move |info| previous(info)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_error_of_its_line_and_the_next_line_runs_as_before() {
        let ok = guarded(|| Ok("fine".to_string()));
        assert_eq!(ok.unwrap(), "fine");
        let err = guarded::<String>(|| panic!("boom")).unwrap_err();
        assert!(
            err.starts_with("internal error while evaluating this line: boom"),
            "{err}"
        );
        assert!(err.ends_with("; please report it"), "{err}");
        let again = guarded(|| Ok("fine again".to_string()));
        assert_eq!(again.unwrap(), "fine again");
    }
}
