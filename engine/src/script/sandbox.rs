//! The one place a rhai engine is built. Rules get arithmetic, logic,
//! strings, lists, maps, ranges and the date functions, and nothing that can
//! reach files, the network, the clock, the environment or the process.
//! Every evaluation is bounded; the figures are explained in
//! `docs/decisions.md`. Not here: compiling or evaluating rule scripts.

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Engine, OptimizationLevel};

use super::dates;

/// Operations one script may run per evaluation. The shipped conditions use
/// well under a hundred; a hundred thousand stops an endless loop within a
/// few milliseconds while leaving room for list work over a case's facts.
pub const MAX_OPERATIONS: u64 = 100_000;
/// Nesting of expressions (global, inside functions). Hand-written law is
/// shallow; this stops pathological nesting before the parser's recursion
/// can exhaust the stack.
pub const MAX_EXPR_DEPTH: usize = 64;
pub const MAX_FUNCTION_EXPR_DEPTH: usize = 32;
/// Calls nested in calls. Scripts cannot define functions, so only built-in
/// calls nest.
pub const MAX_CALL_LEVELS: usize = 16;
/// Sizes that stop exponential growth of strings, lists and maps.
pub const MAX_STRING_SIZE: usize = 10_000;
pub const MAX_ARRAY_SIZE: usize = 1_000;
pub const MAX_MAP_SIZE: usize = 100;
pub const MAX_VARIABLES: usize = 64;

/// Builds the sandboxed engine rules are compiled and evaluated with.
pub fn engine() -> Engine {
    let mut engine = Engine::new_raw();
    ArithmeticPackage::new().register_into_engine(&mut engine);
    LogicPackage::new().register_into_engine(&mut engine);
    BasicStringPackage::new().register_into_engine(&mut engine);
    MoreStringPackage::new().register_into_engine(&mut engine);
    BasicArrayPackage::new().register_into_engine(&mut engine);
    BasicMapPackage::new().register_into_engine(&mut engine);
    BasicIteratorPackage::new().register_into_engine(&mut engine);
    dates::register(&mut engine);
    refuse_mixed_comparisons(&mut engine);
    // List comparisons and copies charged element by element, and every
    // operation counted against the case's budget (`budget`).
    super::budget::register(&mut engine);
    engine.on_progress(super::budget::progress);

    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FUNCTION_EXPR_DEPTH)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_string_size(MAX_STRING_SIZE)
        .set_max_array_size(MAX_ARRAY_SIZE)
        .set_max_map_size(MAX_MAP_SIZE)
        .set_max_variables(MAX_VARIABLES)
        // Scripts are conditions, not programs: no function definitions (so
        // no recursion), and no `eval` of strings built at run time.
        .set_max_functions(0)
        .set_allow_anonymous_fn(false)
        // Undeclared variables are compile errors, not silent `()`.
        .set_strict_variables(true)
        // A misspelt property of a fact group is an error, not `()`.
        .set_fail_on_invalid_map_property(true)
        // Keep the AST as written: no constant folding, so analysis sees
        // every fact read and positions stay true to the file.
        .set_optimization_level(OptimizationLevel::None)
        // Registered functions before built-in operators, so that the
        // mixed-type refusals below are consulted for plain values too.
        .set_fast_operators(false);
    engine.disable_symbol("eval");
    engine.disable_symbol("print");
    engine.disable_symbol("debug");
    engine
}

/// The refusal of a comparison of `a` with `b` (types in words); the
/// native evaluator words its refusals with it too.
pub(crate) fn mixed_comparison_message(op: &str, a: &str, b: &str) -> String {
    format!(
        "cannot compare {a} with {b} using `{op}`: the answer would always be false (is a number or a date written in quotes?)"
    )
}

/// rhai answers `1 > "3"` and `date < "2001"` with a silent `false`, so a
/// stray quote would make a rule never fire. Comparing values of different
/// types is an error here instead (naming the rule, at evaluation). Null
/// (`()`) is left out on purpose: a fact given as null is "no such thing",
/// and comparisons with it are false (`!=` true).
fn refuse_mixed_comparisons(engine: &mut Engine) {
    use rhai::{EvalAltResult, INT, ImmutableString};
    fn refuse(op: &str, a: &str, b: &str) -> Box<EvalAltResult> {
        mixed_comparison_message(op, a, b).into()
    }
    macro_rules! refuse_pair {
        ($a:ty, $an:expr, $b:ty, $bn:expr, [$($op:expr),*]) => {
            $(
                engine.register_fn($op, |_: $a, _: $b| -> Result<bool, Box<EvalAltResult>> {
                    Err(refuse($op, $an, $bn))
                });
            )*
        };
    }
    macro_rules! refuse_both_ways {
        ($a:ty, $an:expr, $b:ty, $bn:expr, [$($op:expr),*]) => {
            refuse_pair!($a, $an, $b, $bn, [$($op),*]);
            refuse_pair!($b, $bn, $a, $an, [$($op),*]);
        };
    }
    refuse_both_ways!(
        INT,
        "an integer",
        ImmutableString,
        "a string",
        ["==", "!=", "<", "<=", ">", ">="]
    );
    refuse_both_ways!(
        dates::NaiveDate,
        "a date",
        ImmutableString,
        "a string",
        ["==", "!=", "<", "<=", ">", ">="]
    );
    refuse_both_ways!(
        dates::NaiveDate,
        "a date",
        INT,
        "an integer",
        ["==", "!=", "<", "<=", ">", ">="]
    );
    refuse_both_ways!(
        bool,
        "true or false",
        ImmutableString,
        "a string",
        ["==", "!=", "<", "<=", ">", ">="]
    );
    refuse_both_ways!(
        bool,
        "true or false",
        INT,
        "an integer",
        ["==", "!=", "<", "<=", ">", ">="]
    );
    refuse_both_ways!(
        bool,
        "true or false",
        dates::NaiveDate,
        "a date",
        ["==", "!=", "<", "<=", ">", ">="]
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str) -> Result<rhai::Dynamic, String> {
        let engine = engine();
        let ast = engine.compile(script).map_err(|e| e.to_string())?;
        engine
            .eval_ast::<rhai::Dynamic>(&ast)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_endless_loop_is_stopped_by_the_operations_limit() {
        let err = run("loop {}").unwrap_err();
        assert!(err.contains("Too many operations"), "{err}");
    }

    #[test]
    fn exponential_string_growth_is_stopped_by_the_size_limit() {
        let err = run("let s = \"ab\"; for i in 0..100 { s += s; } s.len()").unwrap_err();
        assert!(err.to_lowercase().contains("length"), "{err}");
    }

    #[test]
    fn array_growth_is_stopped_by_the_size_limit() {
        let err = run("let a = [1]; for i in 0..100 { a += a; } a.len()").unwrap_err();
        assert!(err.to_lowercase().contains("size"), "{err}");
    }

    #[test]
    fn scripts_cannot_define_functions() {
        assert!(run("fn f(x) { f(x) } f(1)").is_err());
    }

    #[test]
    fn eval_print_and_the_clock_are_not_available() {
        assert!(run("eval(\"1\")").is_err());
        assert!(run("print(1)").is_err());
        assert!(run("timestamp()").is_err());
        assert!(run("sleep(1)").is_err());
    }

    #[test]
    fn deep_nesting_is_a_compile_error() {
        let script = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(run(&script).is_err());
    }

    #[test]
    fn undeclared_variables_are_compile_errors() {
        let err = run("nobody == 1").unwrap_err();
        assert!(err.contains("nobody"), "{err}");
    }

    #[test]
    fn comparing_values_of_different_types_is_an_error_not_a_silent_false() {
        let err = run("1 > \"3\"").unwrap_err();
        assert!(
            err.contains("cannot compare an integer with a string using `>`"),
            "{err}"
        );
        assert!(run("ymd(2000, 1, 1) == \"2000-01-01\"").is_err());
        assert!(run("true == 1").is_err());
    }

    #[test]
    fn comparisons_with_null_stay_false_and_same_type_comparisons_work() {
        assert_eq!(run("() < 3").unwrap().as_bool(), Ok(false));
        assert_eq!(run("ymd(2000, 1, 1) != ()").unwrap().as_bool(), Ok(true));
        assert_eq!(
            run("2 > 1 && \"b\" > \"a\" && ymd(2000, 1, 2) > ymd(2000, 1, 1)")
                .unwrap()
                .as_bool(),
            Ok(true)
        );
        assert_eq!(run("\"a\" in [\"a\", \"b\"]").unwrap().as_bool(), Ok(true));
    }

    #[test]
    fn lists_strings_and_membership_work() {
        assert_eq!(
            run("\"a\" in [\"a\", \"b\"] && \"x\" + \"y\" == \"xy\"")
                .unwrap()
                .as_bool(),
            Ok(true)
        );
    }
}
