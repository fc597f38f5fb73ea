//! What the `inforce serve` tests share: the built binary started as a
//! server on a free loopback port, a small HTTP client that keeps every
//! status (4xx and 5xx are answers here, not failures), and the OpenAPI
//! document that every answer is validated against. Not here: the tests
//! (`serve_api.rs`, `serve_reload.rs`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../workspace_support/mod.rs"]
mod workspace_support;
// Not every test file that shares this module copies trees.
#[allow(unused_imports)]
pub use workspace_support::{copy_dir, workspace};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_inforce")
}

/// `inforce ARGS` run to its end from the workspace root.
pub fn inforce(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(workspace())
        .env_remove("INFORCE_RULES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the inforce binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("inforce finishes");
    writer.join().expect("stdin written");
    out
}

/// A running `inforce serve`. It is started under a small shell that ends
/// it when this process's end closes the shell's stdin, so a server held
/// in a `static` (which is never dropped) does not outlive the tests.
pub struct Server {
    shell: Child,
    /// Held open while the server should run.
    guard: Option<ChildStdin>,
    /// The server's own process id (for signals).
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// `inforce serve --listen 127.0.0.1:0 ARGS`, run from `dir`; returns
    /// once it listens.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let mut shell = Command::new("sh")
            .arg("-c")
            .arg(r#""$@" & pid=$!; echo "server pid $pid" >&2; read _; kill -KILL $pid 2>/dev/null; wait $pid"#)
            .arg("sh")
            .arg(bin())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .env_remove("INFORCE_RULES")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh starts the server");
        let guard = shell.stdin.take();
        let stderr = shell.stderr.take().expect("stderr is piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line.clone());
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut pid = None;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "the server did not say where it listens; stderr: {:?}",
                    lines.lock().unwrap()
                )
            });
            if let Some(p) = line.strip_prefix("server pid ") {
                pid = p.trim().parse::<u32>().ok();
            }
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        Server {
            shell,
            guard,
            pid: pid.expect("the shell printed the server's pid"),
            base: format!("http://{addr}"),
            addr,
            stderr: lines,
        }
    }

    /// Started from the workspace root on the shipped rules (`--rules rules`).
    pub fn shipped(args: &[&str]) -> Server {
        let mut all = vec!["--rules", "rules"];
        all.extend_from_slice(args);
        Server::start(&workspace(), &all)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server wrote on stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends `signal` (e.g. `TERM`) to the server itself.
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid.to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{signal} {}", self.pid);
    }

    /// Waits for the server to end on its own; its exit is the shell's.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        // The shell waits on the server once its stdin closes; until then
        // poll whether the server process is still there.
        while Instant::now() < deadline {
            // Until the shell reaps it, an ended server is a zombie.
            let alive = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
                .map(|stat| {
                    let state = stat.rsplit(')').next().unwrap_or("").trim_start();
                    !state.starts_with('Z')
                })
                .unwrap_or(false);
            if !alive {
                self.guard = None;
                return self.shell.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn request(&self, method: &str, path: &str) -> Req {
        Req {
            method: method.to_string(),
            url: self.url(path),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path).send()
    }

    /// POST `body` as JSON.
    pub fn post_json(&self, path: &str, body: &[u8]) -> Reply {
        self.request("POST", path)
            .header("content-type", "application/json")
            .body(body)
            .send()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .stderr(Stdio::null())
            .status();
        self.guard = None;
        let _ = self.shell.wait();
    }
}

/// A request being built.
pub struct Req {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: &[u8]) -> Req {
        self.body = body.to_vec();
        self
    }

    pub fn send(self) -> Reply {
        let mut b = ureq::http::Request::builder()
            .method(self.method.as_str())
            .uri(&self.url);
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        let request = b.body(self.body).unwrap();
        let mut response = agent()
            .run(request)
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.method, self.url));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }
}

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into()
    })
}

/// A response, whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type without parameters.
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The status, with the body in the message when it is not `want`.
    pub fn expect(&self, want: u16) -> &Reply {
        assert_eq!(
            self.status,
            want,
            "status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// The error body's `error` object, checked to be one.
    pub fn error(&self) -> Value {
        assert_eq!(self.media_type(), "application/json", "{self:?}");
        let v = self.json();
        assert_eq!(v["error"]["status"], self.status, "{v:#}");
        v["error"].clone()
    }
}

/// Bytes sent as they are over a new connection, and whatever comes back
/// until the server closes it (or `within` passes): for requests a client
/// library would tidy up (`..` in a path, broken framing).
pub fn raw(addr: &str, bytes: &[u8], within: Duration) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(within)).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// --- the OpenAPI document ------------------------------------------------------

/// The document as served, with what validates a response against it.
pub struct Spec {
    pub doc: Value,
}

impl Spec {
    pub fn new(doc: Value) -> Spec {
        Spec { doc }
    }

    /// The object at a `#/...` reference.
    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let pointer = r.strip_prefix('#').expect("a local reference");
            v = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("`{r}` points at nothing in the document"));
        }
        v
    }

    /// The schema the document gives for `method path` answering `status`
    /// with `media_type`.
    pub fn schema(&self, method: &str, path: &str, status: u16, media_type: &str) -> Value {
        let op = self
            .doc
            .get("paths")
            .and_then(|p| p.get(path))
            .and_then(|p| p.get(method.to_ascii_lowercase()))
            .unwrap_or_else(|| panic!("the document has no `{method} {path}`"));
        let response = op["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("the document gives `{method} {path}` no status {status}"));
        let response = self.resolve(response);
        let content = response["content"].get(media_type).unwrap_or_else(|| {
            panic!("the document gives `{method} {path}` {status} no `{media_type}` content")
        });
        content["schema"].clone()
    }

    /// `schema` as a validator (JSON Schema 2020-12, formats checked),
    /// with its references pointing into the document's components.
    pub fn compile(&self, schema: &Value, what: &str) -> jsonschema::Validator {
        let mut root = schema.clone();
        if let Some(o) = root.as_object_mut() {
            o.insert("components".to_string(), self.doc["components"].clone());
        }
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema for {what} does not compile: {e}"))
    }

    /// Validates `value` against `schema`, whose references point into the
    /// document's components.
    pub fn validate_value(&self, schema: &Value, value: &Value, what: &str) {
        let validator = self.compile(schema, what);
        let errors: Vec<String> = validator
            .iter_errors(value)
            .take(5)
            .map(|e| format!("{e} at `{}`", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the response does not fit the document:\n{}\nbody: {}",
            errors.join("\n"),
            truncate(&value.to_string(), 2000)
        );
    }

    /// Validates a real response of `method path` against the document:
    /// its status and media type must be documented, and its body (each
    /// line of JSON Lines) must fit the schema given for them.
    pub fn check(&self, method: &str, path: &str, reply: &Reply) {
        let media = reply.media_type();
        let schema = self.schema(method, path, reply.status, &media);
        let what = format!("{method} {path} {}", reply.status);
        match media.as_str() {
            "application/json" => self.validate_value(&schema, &reply.json(), &what),
            "application/x-ndjson" => {
                for (i, line) in reply.text().lines().enumerate() {
                    let v: Value = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("{what}: line {} is not JSON: {e}", i + 1));
                    self.validate_value(&schema, &v, &format!("{what} line {}", i + 1));
                }
            }
            _ => self.validate_value(&schema, &Value::String(reply.text()), &what),
        }
        let digest = self.doc["components"]["headers"]["RulesDigest"]["schema"].clone();
        let header = reply
            .header("inforce-rules-digest")
            .unwrap_or_else(|| panic!("{what}: no `inforce-rules-digest` header"));
        self.validate_value(
            &digest,
            &Value::String(header.to_string()),
            &format!("{what} digest header"),
        );
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Polls `f` every 20 ms until it gives `Some`, at most `within`.
pub fn poll<T>(within: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(t) = f() {
            return Some(t);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
