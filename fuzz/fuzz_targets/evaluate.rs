//! Fuzz target: a structured case over the shipped facts (each left out,
//! null, fitting, at an edge or of the wrong type) built from the bytes,
//! evaluated on the shipped rules on an arbitrary date, the ends of the
//! calendar included. Not here: the invariants checked
//! (`inforce_fuzz::check_evaluation_of_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    inforce_fuzz::check_evaluation_of_bytes(data);
});
