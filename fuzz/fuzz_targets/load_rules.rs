//! Fuzz target: any bytes, as one more rule file beside the shipped facts
//! and outcomes, are loaded; a tree that loads evaluates the shipped example
//! cases. Not here: the invariants checked (`inforce_fuzz::check_rule_file`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Rule files reach the engine as text; `source::read_dir` refuses bytes
    // that are not UTF-8 before the loader sees them.
    if let Ok(text) = std::str::from_utf8(data) {
        inforce_fuzz::check_rule_file(text);
    }
});
