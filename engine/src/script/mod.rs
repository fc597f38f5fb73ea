//! The rhai side of the engine: the sandboxed engine builder, the date type
//! and functions rules may call, and static analysis of condition scripts.

pub mod analysis;
pub mod budget;
pub mod dates;
pub mod native;
#[cfg(test)]
mod native_differential;
pub mod sandbox;
