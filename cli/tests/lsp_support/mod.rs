//! A minimal Language Server Protocol client for the tests of `inforce
//! lsp`: spawns the built binary and speaks JSON-RPC with Content-Length
//! framing over its standard input and output. Not a general client: it
//! waits for what a test asks for, and fails the test after a minute.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "../workspace_support/mod.rs"]
mod workspace_support;
// Not every test file that shares this module copies trees.
#[allow(unused_imports)]
pub use workspace_support::{copy_dir, workspace};

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub backlog: Vec<Value>,
}

const WAIT: Duration = Duration::from_secs(60);

impl Client {
    /// Starts `inforce lsp --rules RULES` and initialises it.
    pub fn start(rules: &Path) -> Client {
        Client::start_with(Some(rules), json!({}))
    }

    /// Starts `inforce lsp`, with `--rules RULES` if given, and initialises
    /// it with the workspace folder and `initializationOptions`.
    pub fn start_with(rules: Option<&Path>, options: Value) -> Client {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_inforce"));
        cmd.args(["lsp", "--debounce-ms", "0"]);
        if let Some(r) = rules {
            cmd.arg("--rules").arg(r);
        }
        let mut child = cmd
            .env_remove("INFORCE_RULES")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        len = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.unwrap()];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 0,
            backlog: Vec::new(),
        };
        let root = uri(&workspace());
        let result = c.request(
            "initialize",
            json!({"processId": null, "rootUri": root, "capabilities": {},
                   "initializationOptions": options}),
        );
        assert!(result["capabilities"]["hoverProvider"].as_bool().unwrap());
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, v: Value) {
        let body = serde_json::to_string(&v).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn next(&mut self, deadline: Instant) -> Value {
        match self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("the server said nothing for a minute"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response's result.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.next(deadline);
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{v}");
                return v["result"].clone();
            }
            self.backlog.push(v);
        }
    }

    /// Sends a request and waits for its response, error or not.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.next(deadline);
            if v["id"] == json!(id) {
                return v;
            }
            self.backlog.push(v);
        }
    }

    /// Waits for diagnostics published for `uri` that satisfy `pred`,
    /// looking at those already received first.
    pub fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let is_for = |v: &Value| {
            v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri
        };
        let found = |v: &Value| {
            v["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        let mut last = None;
        for v in self.backlog.iter().filter(|v| is_for(v)) {
            last = Some(found(v));
        }
        if let Some(d) = last.filter(|d| pred(d)) {
            self.backlog.retain(|v| !is_for(v));
            return d;
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.next(deadline);
            if is_for(&v) {
                let d = found(&v);
                if pred(&d) {
                    self.backlog.retain(|v| !is_for(v));
                    return d;
                }
            } else {
                self.backlog.push(v);
            }
        }
    }

    pub fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// `method` at the line and column of the first `needle` in `text`
    /// (plus `shift` characters).
    pub fn at(&mut self, method: &str, path: &Path, text: &str, needle: &str, shift: u32) -> Value {
        let (line, col) = position(text, needle);
        self.request(
            method,
            json!({"textDocument": {"uri": uri(path)},
                   "position": {"line": line, "character": col + shift}}),
        )
    }

    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

/// The line and column (ASCII text) of the first `needle` in `text`.
pub fn position(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let col = (at - before.rfind('\n').map_or(0, |i| i + 1)) as u32;
    (line, col)
}
