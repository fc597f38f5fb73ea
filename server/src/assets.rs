//! The web page: the files kept in `server/web/` and built into the
//! binary, so the page needs no build step, no CDN and no network beyond
//! this server. `ASSETS` is the one place that names them. Not here: the
//! API the page calls (`routes`).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::routes::App;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file of the page: its path under the page's root, its content
/// type and its text. `index.html` is served at `/` only, as before the
/// page had modules. A file missing here is a failing unit test below,
/// not only a broken page.
const ASSETS: &[(&str, &str, &str)] = &[
    ("index.html", HTML, include_str!("../web/index.html")),
    ("app.css", CSS, include_str!("../web/app.css")),
    ("app.js", JS, include_str!("../web/app.js")),
    ("api.js", JS, include_str!("../web/api.js")),
    ("batch.js", JS, include_str!("../web/batch.js")),
    ("controls.js", JS, include_str!("../web/controls.js")),
    ("dom.js", JS, include_str!("../web/dom.js")),
    ("form.js", JS, include_str!("../web/form.js")),
    ("history.js", JS, include_str!("../web/history.js")),
    ("law.js", JS, include_str!("../web/law.js")),
    ("pictures.js", JS, include_str!("../web/pictures.js")),
    ("results.js", JS, include_str!("../web/results.js")),
    ("state.js", JS, include_str!("../web/state.js")),
    ("status.js", JS, include_str!("../web/status.js")),
    ("words.js", JS, include_str!("../web/words.js")),
];

pub fn routes() -> Router<App> {
    ASSETS
        .iter()
        .fold(Router::new(), |router, &(file, kind, body)| {
            let route = if file == "index.html" {
                "/".to_owned()
            } else {
                format!("/{file}")
            };
            router.route(&route, get(move || async move { page(kind, body) }))
        })
}

fn page(kind: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, kind)], body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The modules a script imports: `import … from './x.js'`, `import './x.js'`
    /// and the `} from './x.js'` that ends an import over several lines.
    fn imports(source: &str) -> Vec<String> {
        source
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("import") || l.starts_with("export") || l.starts_with('}'))
            .filter_map(|l| {
                let rest = l
                    .rsplit_once(" from ")
                    .map(|(_, r)| r)
                    .or_else(|| l.strip_prefix("import "))?;
                let rest = rest.trim().trim_end_matches(';');
                let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
                rest.strip_prefix(quote)?
                    .strip_suffix(quote)
                    .map(str::to_owned)
            })
            .collect()
    }

    fn scripts() -> impl Iterator<Item = (&'static str, &'static str)> {
        ASSETS
            .iter()
            .filter(|(file, _, _)| file.ends_with(".js"))
            .map(|&(file, _, body)| (file, body))
    }

    #[test]
    fn every_import_of_a_served_script_names_a_served_file_by_a_relative_path() {
        let served: BTreeSet<&str> = ASSETS.iter().map(|(file, _, _)| *file).collect();
        let mut seen = 0;
        for (file, body) in scripts() {
            for spec in imports(body) {
                seen += 1;
                // A path from the root would break the page under a proxy's path prefix.
                let Some(name) = spec.strip_prefix("./") else {
                    panic!("{file} imports `{spec}`, which is not a relative `./` path");
                };
                assert!(
                    served.contains(name),
                    "{file} imports `{spec}`, which the assets table does not serve"
                );
            }
        }
        assert!(seen > 0, "the scan found no import at all");
    }

    #[test]
    fn the_import_scan_reads_each_form_of_import_and_the_page_has_no_dynamic_import() {
        let source = "// import nothing from './comment.js'\n\
                      import { a, b } from './one.js';\n\
                      import './two.js';\n\
                      import {\n  c,\n} from \"./three.js\";\n\
                      export { d } from './four.js';\n\
                      const from = 'x';\n";
        assert_eq!(
            imports(source),
            ["./one.js", "./two.js", "./three.js", "./four.js"]
        );
        // A dynamic import would escape the scan, so the page must not use one.
        for (file, body) in scripts() {
            assert!(!body.contains("import("), "{file} uses a dynamic import");
        }
    }

    #[test]
    fn every_file_in_the_web_directory_is_served() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
        let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let served: BTreeSet<String> = ASSETS.iter().map(|(f, _, _)| (*f).to_owned()).collect();
        assert_eq!(on_disk, served, "server/web/ and the assets table differ");
    }

    #[test]
    fn every_file_is_served_with_the_content_type_of_its_extension() {
        for (file, kind, _) in ASSETS {
            let want = match file.rsplit_once('.').map(|(_, ext)| ext) {
                Some("html") => HTML,
                Some("js") => JS,
                Some("css") => CSS,
                _ => panic!("{file} has no known content type"),
            };
            assert_eq!(*kind, want, "{file}");
        }
    }
}
