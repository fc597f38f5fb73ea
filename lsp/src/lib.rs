//! inforce-lsp: a Language Server Protocol server for inforce rule files,
//! so that an analyst's editor reports every problem `inforce check` would,
//! as they type, and knows the law's vocabulary.
//!
//! Diagnostics are computed on the whole rules tree with the unsaved
//! buffers in place of their files (`workspace`), placed by the engine's
//! own spans (`diagnostics`); golden-test files and case files get theirs
//! too. Completion (`complete`, from the cursor's place told by
//! indentation, `context`), hover (`hover`), go to definition
//! (`definition`, from the engine's outline of each file) and code lenses
//! on golden tests (`lens`) answer from the last tree that loaded. The
//! protocol loop is synchronous (`server`): one thread reads the editor's
//! messages, and the tree is analysed once the editor has been quiet for a
//! short debounce. Not here: the command line (`inforce lsp` in the CLI).

mod complete;
mod context;
mod definition;
mod diagnostics;
mod error;
mod functions;
mod hover;
mod lens;
mod server;
mod text;
mod workspace;

pub use error::LspError;
pub use server::{Options, run, serve_stdio};
