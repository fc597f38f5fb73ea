//! Why the language server stopped: the connection to the editor failed.
//! Not here: problems of rule files, which are diagnostics sent to the
//! editor, never errors of the server.

use miette::Diagnostic;
use thiserror::Error;

/// The server could not go on talking to the editor.
#[derive(Debug, Error, Diagnostic)]
pub enum LspError {
    /// The editor broke the protocol, or the connection closed early.
    #[error("the connection to the editor failed: {message}")]
    #[diagnostic(
        code(inforce::lsp::protocol),
        help(
            "start `inforce lsp` from an editor's language client, which speaks the protocol on standard input and output"
        )
    )]
    Protocol {
        /// What went wrong, as the protocol layer said.
        message: String,
    },

    /// A message could not be written or read as JSON.
    #[error("a message to or from the editor is not valid: {message}")]
    #[diagnostic(
        code(inforce::lsp::message),
        help(
            "this is a bug in inforce or in the editor's client; please report it with the client's log"
        )
    )]
    Message {
        /// What the JSON layer said.
        message: String,
    },
}

impl From<lsp_server::ProtocolError> for LspError {
    fn from(e: lsp_server::ProtocolError) -> LspError {
        LspError::Protocol {
            message: e.to_string(),
        }
    }
}

impl From<serde_json::Error> for LspError {
    fn from(e: serde_json::Error) -> LspError {
        LspError::Message {
            message: e.to_string(),
        }
    }
}

impl From<std::io::Error> for LspError {
    fn from(e: std::io::Error) -> LspError {
        LspError::Protocol {
            message: e.to_string(),
        }
    }
}
