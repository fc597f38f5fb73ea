//! The checks the fuzz targets run: the very module the engine's property
//! tests use (`engine/tests/harness`), so a fuzz finding and its property
//! stand-in check the same invariants. Not here: the fuzz entry points
//! (`fuzz_targets/`).

#[path = "../../engine/tests/harness/mod.rs"]
mod harness;

pub use harness::*;
