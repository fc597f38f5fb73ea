//! The protocol loop: initialise, then read the editor's messages one at a
//! time on this thread. Document changes only mark the tree dirty; once no
//! message has come for the debounce, the whole tree is analysed and the
//! diagnostics that changed are published. Requests (completion, hover,
//! definition, code lens) are answered at once from the last tree that
//! loaded. Not here: what the answers say (the feature modules).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;
use inforce_engine::RuleTree;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeLensRequest, Completion, GotoDefinition, HoverRequest, Request as _};
use lsp_types::{
    CodeLens, CodeLensOptions, CodeLensParams, Command, CompletionOptions, CompletionParams,
    CompletionResponse, Diagnostic, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, Location, LogMessageParams,
    MarkupContent, MarkupKind, MessageType, OneOf, PublishDiagnosticsParams, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};
use serde_json::Value as Json;

use crate::complete::{DocKind, complete};
use crate::definition::{Files, definition};
use crate::diagnostics::{ByFile, place_all};
use crate::error::LspError;
use crate::text::LineIndex;
use crate::workspace::Workspace;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The rules tree; `None`: the editor's `initializationOptions.rules`,
    /// else `$INFORCE_RULES`, else `rules` in the workspace folder, else
    /// the workspace folder itself.
    pub rules: Option<PathBuf>,
    /// How long the editor must be quiet before the tree is analysed.
    pub debounce: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rules: None,
            debounce: Duration::from_millis(30),
        }
    }
}

/// Serves one editor on standard input and output until it shuts down.
pub fn serve_stdio(options: Options) -> Result<(), LspError> {
    let (connection, io) = Connection::stdio();
    run(&connection, options)?;
    drop(connection);
    io.join()?;
    Ok(())
}

/// Serves one editor over `connection` until it shuts down.
pub fn run(connection: &Connection, options: Options) -> Result<(), LspError> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let root = rules_root(&options, &params);
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "inforce".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    connection.initialize_finish(id, result)?;
    let mut s = Server {
        connection,
        workspace: Workspace::new(&root),
        published: BTreeMap::new(),
        current: None,
        dirty: true,
        logged: Vec::new(),
    };
    s.log(
        MessageType::INFO,
        format!("inforce: rules tree {}", s.workspace.root().display()),
    );
    // At once, so that the first request finds a tree to answer from.
    s.analyse()?;
    loop {
        let msg = if s.dirty {
            match connection.receiver.recv_timeout(options.debounce) {
                Ok(msg) => msg,
                Err(RecvTimeoutError::Timeout) => {
                    s.analyse()?;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        } else {
            match connection.receiver.recv() {
                Ok(msg) => msg,
                Err(_) => return Ok(()),
            }
        };
        match msg {
            // Parameters the server cannot read are the client's mistake:
            // answered or logged, never a reason to stop.
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                let id = req.id.clone();
                match s.request(req) {
                    Err(LspError::Message { message }) => {
                        s.send(Message::Response(Response::new_err(
                            id,
                            lsp_server::ErrorCode::InvalidParams as i32,
                            format!("the request's parameters are not valid: {message}"),
                        )))?;
                    }
                    other => other?,
                }
            }
            Message::Notification(n) => match s.notification(n) {
                Err(LspError::Message { message }) => s.log(
                    MessageType::WARNING,
                    format!("inforce: a notification was ignored: {message}"),
                ),
                other => other?,
            },
            Message::Response(_) => {}
        }
    }
}

/// Where the rules tree is, from the options, the editor and the
/// environment, in that order.
fn rules_root(options: &Options, params: &InitializeParams) -> PathBuf {
    #[allow(deprecated)] // `root_uri` is what older clients send.
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or_else(|| params.root_uri.clone())
        .and_then(|u| u.to_file_path().ok());
    let base = folder
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    if let Some(r) = &options.rules {
        return r.clone();
    }
    if let Some(r) = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("rules"))
        .and_then(Json::as_str)
    {
        return base.join(r);
    }
    if let Some(r) = std::env::var_os("INFORCE_RULES").filter(|v| !v.is_empty()) {
        return base.join(r);
    }
    let rules = base.join("rules");
    if rules.is_dir() { rules } else { base }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                [".", " ", "\"", "[", ","]
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            ),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        ..ServerCapabilities::default()
    }
}

struct Server<'a> {
    connection: &'a Connection,
    workspace: Workspace,
    /// What was last published, by path (an empty list included), to send
    /// only what changed and to clear a file whose problems are gone.
    published: BTreeMap<String, Vec<Diagnostic>>,
    /// The tree as the buffers stand, if it loaded at the last analysis.
    current: Option<Arc<RuleTree>>,
    /// Whether a document changed since the last analysis.
    dirty: bool,
    /// Problems without a place last logged, to log each set once.
    logged: Vec<String>,
}

impl Server<'_> {
    fn send(&self, msg: Message) -> Result<(), LspError> {
        self.connection
            .sender
            .send(msg)
            .map_err(|e| LspError::Protocol {
                message: e.to_string(),
            })
    }

    fn notify<N: lsp_types::notification::Notification>(
        &self,
        params: N::Params,
    ) -> Result<(), LspError> {
        self.send(Message::Notification(Notification::new(
            N::METHOD.to_string(),
            params,
        )))
    }

    fn log(&self, typ: MessageType, message: String) {
        // A failed log line is not worth stopping the server for.
        let _ = self.notify::<LogMessage>(LogMessageParams { typ, message });
    }

    fn notification(&mut self, n: Notification) -> Result<(), LspError> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: DidOpenTextDocumentParams = serde_json::from_value(n.params)?;
                if let Some(path) = path_of(&p.text_document.uri) {
                    self.workspace.set_open(path, p.text_document.text);
                    self.dirty = true;
                }
            }
            DidChangeTextDocument::METHOD => {
                let p: DidChangeTextDocumentParams = serde_json::from_value(n.params)?;
                // Full synchronisation: the last change holds the whole text.
                if let (Some(path), Some(change)) = (
                    path_of(&p.text_document.uri),
                    p.content_changes.into_iter().last(),
                ) {
                    self.workspace.set_open(path, change.text);
                    self.dirty = true;
                }
            }
            DidCloseTextDocument::METHOD => {
                let p: DidCloseTextDocumentParams = serde_json::from_value(n.params)?;
                if let Some(path) = path_of(&p.text_document.uri) {
                    self.workspace.close(&path);
                    if !self.workspace.in_tree(&path) && self.published.remove(&path).is_some() {
                        // A case closed: its problems go with it.
                        self.publish(&path, Vec::new())?;
                    }
                    self.dirty = true;
                }
            }
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => {
                // Files may have been written by other tools (`inforce amend`).
                self.workspace.reread();
                self.dirty = true;
            }
            _ => {}
        }
        Ok(())
    }

    /// Loads the tree as the buffers stand and publishes what changed.
    fn analyse(&mut self) -> Result<(), LspError> {
        self.dirty = false;
        let analysis = self.workspace.analyse();
        self.current = analysis.tree;
        let ws = &self.workspace;
        let texts = |p: &str| ws.text(p);
        let (mut by_file, mut unplaced) = place_all(
            analysis.problems.iter().map(|p| (p, p.is_error())),
            &texts,
            None,
        );
        unplaced.extend(
            ws.unreadable()
                .iter()
                .map(|p| crate::diagnostics::text_of(p)),
        );
        self.cases(&mut by_file);
        let mut paths: Vec<String> = self.published.keys().cloned().collect();
        paths.extend(by_file.keys().cloned());
        paths.extend(self.workspace.open_paths().map(str::to_string));
        paths.sort();
        paths.dedup();
        for path in paths {
            let diags = by_file.remove(&path).unwrap_or_default();
            if self.published.get(&path) != Some(&diags) {
                self.publish(&path, diags.clone())?;
                self.published.insert(path, diags);
            }
        }
        if unplaced != self.logged {
            for u in &unplaced {
                self.log(MessageType::ERROR, u.clone());
            }
            self.logged = unplaced;
        }
        Ok(())
    }

    fn publish(&self, path: &str, diagnostics: Vec<Diagnostic>) -> Result<(), LspError> {
        let Ok(uri) = Url::from_file_path(path) else {
            return Ok(());
        };
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        })
    }

    /// Problems of the open case files, read against the last tree that
    /// loaded.
    fn cases(&self, by_file: &mut ByFile) {
        let Some(tree) = self.workspace.last_good() else {
            return;
        };
        for path in self.workspace.open_paths() {
            if self.workspace.in_tree(path) {
                continue;
            }
            let Some(text) = self.workspace.text(path) else {
                continue;
            };
            if !looks_like_case(&tree, path, text) {
                continue;
            }
            if let Err(errors) = inforce_engine::Case::from_yaml(&tree, path, text) {
                let texts = |p: &str| (p == path).then_some(text);
                let (placed, _) = place_all(errors.iter().map(|e| (e, true)), &texts, Some(path));
                for (p, d) in placed {
                    by_file.entry(p).or_default().extend(d);
                }
            }
        }
    }

    fn request(&mut self, req: Request) -> Result<(), LspError> {
        let id = req.id.clone();
        // No tree yet (the one on disk has errors): the buffers may give one.
        if self.dirty && self.workspace.last_good().is_none() {
            self.analyse()?;
        }
        let result: Json = match req.method.as_str() {
            Completion::METHOD => {
                let p: CompletionParams = serde_json::from_value(req.params)?;
                let items = self.complete(&p).unwrap_or_default();
                serde_json::to_value(CompletionResponse::Array(items))?
            }
            HoverRequest::METHOD => {
                let p: HoverParams = serde_json::from_value(req.params)?;
                serde_json::to_value(self.hover(&p))?
            }
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = serde_json::from_value(req.params)?;
                serde_json::to_value(self.definition(&p))?
            }
            CodeLensRequest::METHOD => {
                let p: CodeLensParams = serde_json::from_value(req.params)?;
                if self.dirty {
                    self.analyse()?;
                }
                serde_json::to_value(self.lenses(&p))?
            }
            _ => {
                return self.send(Message::Response(Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("inforce does not answer `{}`", req.method),
                )));
            }
        };
        self.respond(id, result)
    }

    fn respond(&self, id: RequestId, result: Json) -> Result<(), LspError> {
        self.send(Message::Response(Response {
            id,
            response_result: Ok(result),
        }))
    }

    /// The document's path, text and the byte offset of a position.
    fn at(&self, uri: &Url, pos: lsp_types::Position) -> Option<(String, &str, usize)> {
        let path = path_of(uri)?;
        let text = self.workspace.text(&path)?;
        let offset = LineIndex::new(text).offset(pos);
        Some((path, text, offset))
    }

    fn complete(&self, p: &CompletionParams) -> Option<Vec<lsp_types::CompletionItem>> {
        let tp = &p.text_document_position;
        let (path, text, offset) = self.at(&tp.text_document.uri, tp.position)?;
        let tree = self.workspace.last_good()?;
        let kind = if self.workspace.in_tree(&path) {
            DocKind::Rule
        } else {
            DocKind::Case
        };
        Some(complete(&tree, text, offset, kind))
    }

    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let tp = &p.text_document_position_params;
        let (path, text, offset) = self.at(&tp.text_document.uri, tp.position)?;
        let tree = self.workspace.last_good()?;
        let value = crate::hover::hover(&tree, &path, text, offset)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: None,
        })
    }

    fn definition(&self, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let tp = &p.text_document_position_params;
        let (path, _, offset) = self.at(&tp.text_document.uri, tp.position)?;
        let tree = self.workspace.last_good()?;
        let paths = self.workspace.rule_paths();
        let ws = &self.workspace;
        let text = |p: &str| ws.text(p);
        let files = Files {
            paths: &paths,
            text: &text,
        };
        let targets = definition(&tree, &files, &path, offset);
        let locations: Vec<Location> = targets
            .into_iter()
            .filter_map(|t| {
                let text = ws.text(&t.path)?;
                Some(Location {
                    uri: Url::from_file_path(&t.path).ok()?,
                    range: LineIndex::new(text).range(t.offset, t.len),
                })
            })
            .collect();
        Some(GotoDefinitionResponse::Array(locations))
    }

    fn lenses(&self, p: &CodeLensParams) -> Vec<CodeLens> {
        let Some(path) = path_of(&p.text_document.uri) else {
            return Vec::new();
        };
        let Some(text) = self.workspace.text(&path) else {
            return Vec::new();
        };
        let Some(tree) = self.current.clone().or_else(|| self.workspace.last_good()) else {
            return Vec::new();
        };
        let ix = LineIndex::new(text);
        crate::lens::lenses(&tree, &path, text)
            .into_iter()
            .map(|l| CodeLens {
                range: ix.range(l.offset, l.len),
                // No client command: the lens is there to be read.
                command: Some(Command {
                    title: l.title,
                    command: String::new(),
                    arguments: None,
                }),
                data: Some(serde_json::json!({"passed": l.passed})),
            })
            .collect()
    }
}

/// The file path of a `file:` URI, as the engine names files.
fn path_of(uri: &Url) -> Option<String> {
    let p = uri.to_file_path().ok()?;
    Some(p.display().to_string())
}

/// Whether an open document outside the tree is a case: a YAML or JSON
/// file whose top level names `date`, `id` or a fact group.
fn looks_like_case(tree: &RuleTree, path: &str, text: &str) -> bool {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if !matches!(ext, "yaml" | "yml" | "json") {
        return false;
    }
    text.lines().any(|l| {
        let key = l
            .trim_start_matches(['{', '"', ' '])
            .split([':', '"'])
            .next()
            .unwrap_or("");
        !l.starts_with(' ')
            && (key == "date" || key == "id" || tree.groups.iter().any(|g| g == key))
    })
}
