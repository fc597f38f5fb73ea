//! From text to an immutable compiled rules tree: the on-disk format, the
//! positioned YAML reader, the shape check, loading and assembling, and the
//! tree itself with its in-force index. Not here: cases, evaluation, wording.

pub mod format;
pub mod hidden_chars;
pub mod in_force;
pub mod load;
pub mod model;
pub mod outline;
pub mod shape;
pub mod source;
pub mod tree;
pub mod yaml;
