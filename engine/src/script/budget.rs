//! The budget of one case's evaluation across all its scripts. A single
//! script is bounded by the sandbox's limits, but a rule file from a pull
//! request can hold thousands of scripts, each just inside them, and one
//! operation of rhai can compare two lists of a thousand elements. So each
//! case (each evaluation, each case read with its checks) gets a total: the
//! operations rhai counts, plus each list element the scripts compare or
//! copy through the functions that do so, and a deadline on the wall
//! clock for whatever escapes the count. Exceeding either is an error
//! naming the rule, like any other run-time failure. Not here: the limits
//! of one script (`sandbox`), evaluation (`eval`).
//!
//! The state is per thread: an evaluation runs on one thread, and `batch`
//! runs one case at a time per worker. The native evaluator, which runs
//! almost every condition of the shipped law, is bounded by construction
//! (no loops) and spends nothing.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rhai::{Dynamic, EvalAltResult};

/// Operations (list elements compared or copied counted one each) that all
/// the scripts of one case may run together. The shipped law runs a few
/// hundred in rhai at most; a million is some 50 ms of rhai work.
pub const CASE_OPERATIONS: u64 = 1_000_000;
/// Wall-clock time the scripts of one case may take together, for work the
/// count does not see (a large list copied into a variable over and over).
/// Far above any honest rule, so that a busy machine never trips it.
pub const CASE_DEADLINE: Duration = Duration::from_secs(2);

/// Words that start every budget message, so it can be told apart from
/// other run-time errors wherever rhai wraps it.
const MARK: &str = "the case ran past its budget";

thread_local! {
    /// Spent by the current case so far.
    static SPENT: Cell<u64> = const { Cell::new(0) };
    /// Operations rhai had reported for the script running now.
    static RUN_SEEN: Cell<u64> = const { Cell::new(0) };
    /// When the current case must stop; set by its first rhai script, so
    /// that a case evaluated natively never reads the clock.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// A new case starts with the whole budget.
pub(crate) fn start_case() {
    SPENT.set(0);
    RUN_SEEN.set(0);
    DEADLINE.set(None);
}

/// A script of the current case starts.
pub(crate) fn start_script() {
    RUN_SEEN.set(0);
    if DEADLINE.get().is_none() {
        DEADLINE.set(Instant::now().checked_add(CASE_DEADLINE));
    }
}

/// rhai's progress callback: `ops` is the count of the script running now.
pub(crate) fn progress(ops: u64) -> Option<Dynamic> {
    let delta = ops.saturating_sub(RUN_SEEN.get());
    RUN_SEEN.set(ops);
    let spent = SPENT.get().saturating_add(delta);
    SPENT.set(spent);
    if spent > CASE_OPERATIONS {
        return Some(Dynamic::from(over_operations()));
    }
    // The clock is read every 1,024 operations: cheap, and soon enough.
    if ops.is_multiple_of(1024) && past_deadline() {
        return Some(Dynamic::from(over_time()));
    }
    None
}

/// Charges `n` elements compared or copied by a function a script called.
pub(crate) fn charge(n: usize) -> Result<(), Box<EvalAltResult>> {
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    let spent = SPENT.get().saturating_add(n);
    SPENT.set(spent);
    if spent > CASE_OPERATIONS {
        return Err(over_operations().into());
    }
    if past_deadline() {
        return Err(over_time().into());
    }
    Ok(())
}

fn past_deadline() -> bool {
    DEADLINE.get().is_some_and(|d| Instant::now() > d)
}

fn over_operations() -> String {
    format!(
        "{MARK} of {CASE_OPERATIONS} operations (each list element compared or copied counts as one), across all its rules"
    )
}

fn over_time() -> String {
    format!(
        "{MARK} of {} seconds across all its rules",
        CASE_DEADLINE.as_secs()
    )
}

/// The budget message inside a rhai error, if the error is the budget's.
pub(crate) fn message(e: &EvalAltResult) -> Option<String> {
    let text = match e {
        EvalAltResult::ErrorTerminated(token, _) => token.to_string(),
        other => other.to_string(),
    };
    let at = text.find(MARK)?;
    let rest = text.get(at..)?;
    // rhai appends the position in parentheses, and wraps errors from
    // inside functions with their name: keep only our sentence.
    Some(rest.split(" (line ").next().unwrap_or(rest).to_string())
}

/// Registers the list functions that compare or copy element by element,
/// charging each element to the case's budget. They replace rhai's own,
/// which count as one operation whatever the lists' lengths.
pub(crate) fn register(engine: &mut rhai::Engine) {
    use rhai::{Array, INT, ImmutableString, NativeCallContext};
    /// Two elements equal: plain values compared here, anything else
    /// (lists in lists, maps, mixed types, which the sandbox refuses) by
    /// rhai's own `==`.
    fn same(ctx: &NativeCallContext, x: &Dynamic, y: &Dynamic) -> Result<bool, Box<EvalAltResult>> {
        if let (Some(a), Some(b)) = (x.read_lock::<INT>(), y.read_lock::<INT>()) {
            return Ok(*a == *b);
        }
        if let (Some(a), Some(b)) = (
            x.read_lock::<ImmutableString>(),
            y.read_lock::<ImmutableString>(),
        ) {
            return Ok(*a == *b);
        }
        if let (Some(a), Some(b)) = (x.read_lock::<bool>(), y.read_lock::<bool>()) {
            return Ok(*a == *b);
        }
        if let (Some(a), Some(b)) = (
            x.read_lock::<super::dates::NaiveDate>(),
            y.read_lock::<super::dates::NaiveDate>(),
        ) {
            return Ok(*a == *b);
        }
        ctx.call_native_fn::<bool>("==", (x.clone(), y.clone()))
    }
    fn equal(ctx: &NativeCallContext, a: &Array, b: &Array) -> Result<bool, Box<EvalAltResult>> {
        charge(a.len().max(b.len()))?;
        if a.len() != b.len() {
            return Ok(false);
        }
        for (x, y) in a.iter().zip(b) {
            if !same(ctx, x, y)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
    engine.register_fn("==", |ctx: NativeCallContext, a: &mut Array, b: Array| {
        equal(&ctx, a, &b)
    });
    engine.register_fn("!=", |ctx: NativeCallContext, a: &mut Array, b: Array| {
        equal(&ctx, a, &b).map(|e| !e)
    });
    // `x in list` is `contains(list, x)`.
    engine.register_fn(
        "contains",
        |ctx: NativeCallContext,
         list: &mut Array,
         x: Dynamic|
         -> Result<bool, Box<EvalAltResult>> {
            charge(list.len())?;
            for item in list.iter() {
                if same(&ctx, item, &x)? {
                    return Ok(true);
                }
            }
            Ok(false)
        },
    );
    engine.register_fn(
        "+",
        |a: Array, b: Array| -> Result<Array, Box<EvalAltResult>> {
            charge(a.len() + b.len())?;
            let mut out = a;
            out.extend(b);
            Ok(out)
        },
    );
    for name in ["append", "+="] {
        engine.register_fn(
            name,
            |a: &mut Array, b: Array| -> Result<(), Box<EvalAltResult>> {
                charge(b.len())?;
                a.extend(b);
                Ok(())
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_add_up_across_scripts_until_a_new_case_starts() {
        start_case();
        start_script();
        assert!(charge(600_000).is_ok());
        start_script();
        let err = charge(600_000).unwrap_err();
        assert!(message(&err).unwrap().starts_with(MARK));
        start_case();
        assert!(charge(600_000).is_ok());
    }

    #[test]
    fn progress_counts_each_script_from_its_own_start() {
        start_case();
        start_script();
        assert!(progress(400_000).is_none());
        start_script();
        assert!(progress(400_000).is_none());
        start_script();
        assert!(progress(300_000).is_some());
    }
}
