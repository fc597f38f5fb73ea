//! A case: the facts about one person and trip, read from YAML or JSON and
//! checked against the facts a rules tree declares. Not here: evaluation.

pub mod json;
pub mod yaml;

pub use yaml::*;
