//! The core's layers, stated once and held by a test: imports point down.
//!
//! ```text
//! ground    file-system helpers, clock, progress and cancel, safe names and paths, digests
//! readers   what a file really is (media probing, thumbnails, a received mail message)
//! domain    campaign, works, office, checks, selection, dashboard, batches, the sending account
//! store     the library: catalog, stored files, backups, outbox rows
//! services  package, mail, printed documents, jobs
//! api       what the faces call
//! ```
//!
//! A module may use a module of its own layer or of a layer below, never one above, and the
//! top-level modules form no cycle. The faces (the Tauri commands in `src/app/`, the CLI in
//! `src/bin/`) sit above `api`, outside this crate's library, and no core module names tauri.
//! Test code is left out: a test may reach wherever it needs. ARCHITECTURE.md draws the same
//! map; a test checks that it lists every module under its layer.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Ground,
    Readers,
    Domain,
    Store,
    Services,
    Api,
}

impl Layer {
    fn heading(self) -> &'static str {
        match self {
            Layer::Ground => "Ground",
            Layer::Readers => "Readers",
            Layer::Domain => "Domain",
            Layer::Store => "Store",
            Layer::Services => "Services",
            Layer::Api => "Api",
        }
    }
}

/// Every top-level module of the library and its layer. A new module gets a line here.
const MODULES: &[(&str, Layer)] = &[
    ("clock", Layer::Ground),
    ("coded", Layer::Ground),
    ("digest", Layer::Ground),
    ("fsx", Layer::Ground),
    ("logs", Layer::Ground),
    ("naming", Layer::Ground),
    ("progress", Layer::Ground),
    ("safe_path", Layer::Ground),
    ("validate", Layer::Ground),
    ("mailread", Layer::Readers),
    ("media", Layer::Readers),
    ("thumbs", Layer::Readers),
    ("account", Layer::Domain),
    ("batch", Layer::Domain),
    ("campaign", Layer::Domain),
    ("checks", Layer::Domain),
    ("city", Layer::Domain),
    ("dashboard", Layer::Domain),
    ("entry", Layer::Domain),
    ("office", Layer::Domain),
    ("registration", Layer::Domain),
    ("selection", Layer::Domain),
    ("library", Layer::Store),
    ("diagnostics", Layer::Services),
    ("jobs", Layer::Services),
    ("mail", Layer::Services),
    ("package", Layer::Services),
    ("print", Layer::Services),
    ("receive", Layer::Services),
    ("api", Layer::Api),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(module: &str) -> Option<Layer> {
    MODULES
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, layer)| *layer)
}

/// The modules `lib.rs` declares outside `#[cfg(test)]`.
fn declared_modules() -> Vec<String> {
    let lib = fs::read_to_string(src().join("lib.rs")).expect("read lib.rs");
    let mut out = Vec::new();
    let mut test_only = false;
    for line in lib.lines().map(str::trim) {
        if line == "#[cfg(test)]" {
            test_only = true;
            continue;
        }
        let name = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        if let Some(name) = name
            && !test_only
        {
            out.push(name.to_owned());
        }
        test_only = false;
    }
    out
}

/// The non-test source files of `module`: `module.rs` and everything under `module/`, less
/// the files that hold only tests (`tests.rs`, `*_tests.rs`).
fn files_of(module: &str) -> Vec<PathBuf> {
    let mut out = vec![src().join(format!("{module}.rs"))];
    let mut dirs = vec![src().join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
                out.push(path);
            }
        }
    }
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// The source without comments and without `#[cfg(test)]` items (a `mod tests { … }` or a
/// single test-only function or `use`).
fn code_only(source: &str) -> String {
    let mut code = String::with_capacity(source.len());
    for line in source.lines() {
        let line = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    let mut out = String::with_capacity(code.len());
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        // Skip the item: up to its `;` or its matching closing brace, whichever ends it.
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The top-level modules `code` names through `crate::`.
fn uses(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .filter_map(|(at, prefix)| code.get(at + prefix.len()..))
        .map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

/// Module → the modules it uses, with one file that does, for the message.
fn graph() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let mut graph = BTreeMap::new();
    for module in declared_modules() {
        let mut used = BTreeMap::new();
        for file in files_of(&module) {
            let source = fs::read_to_string(&file).expect("read source");
            for u in uses(&code_only(&source)) {
                if u != module {
                    used.entry(u).or_insert_with(|| file.clone());
                }
            }
        }
        graph.insert(module, used);
    }
    graph
}

fn short(path: &Path) -> String {
    path.strip_prefix(src())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_module_has_a_layer() {
    let declared = declared_modules();
    assert!(declared.len() > 10, "lib.rs declares {declared:?}");
    let missing: Vec<&String> = declared.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "modules without a layer: {missing:?} — add each to MODULES in layers.rs and to ARCHITECTURE.md"
    );
    let stale: Vec<&str> = MODULES
        .iter()
        .map(|(m, _)| *m)
        .filter(|m| !declared.iter().any(|d| d == m))
        .collect();
    assert!(
        stale.is_empty(),
        "MODULES lists modules lib.rs does not declare: {stale:?}"
    );
}

#[test]
fn imports_point_down() {
    let mut upward = Vec::new();
    for (module, used) in graph() {
        let Some(layer) = layer_of(&module) else {
            continue; // every_module_has_a_layer says so
        };
        for (u, file) in used {
            match layer_of(&u) {
                Some(to) if to <= layer => {}
                Some(to) => upward.push(format!(
                    "{module} ({layer:?}) uses {u} ({to:?}) in {}",
                    short(&file)
                )),
                None => upward.push(format!(
                    "{module} uses crate::{u}, which is no layered module, in {}",
                    short(&file)
                )),
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = graph();
    // Depth-first search; a module met again while on the path closes a cycle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeMap<String, PathBuf>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for next in graph.get(m).into_iter().flat_map(|u| u.keys()) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        let cycle = visit(m, &graph, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap_or_default().join(" → ")
        );
    }
}

#[test]
fn no_core_module_names_tauri() {
    for module in declared_modules() {
        for file in files_of(&module) {
            let code = code_only(&fs::read_to_string(&file).expect("read source"));
            assert!(
                !code.contains("tauri::") && !code.contains("use tauri"),
                "{} names tauri: the core stays usable by the CLI and the tests",
                short(&file)
            );
        }
    }
}

#[test]
fn the_architecture_map_lists_every_module_in_its_layer() {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md"))
        .expect("read ARCHITECTURE.md");
    // The map: a `### Ground` … heading per layer, and under it a list of `` `module` ``.
    let mut section: Option<Layer> = None;
    let mut listed: BTreeMap<String, Layer> = BTreeMap::new();
    let layers = [
        Layer::Ground,
        Layer::Readers,
        Layer::Domain,
        Layer::Store,
        Layer::Services,
        Layer::Api,
    ];
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            section = layers.iter().copied().find(|l| h.starts_with(l.heading()));
            continue;
        }
        if line.starts_with("## ") {
            section = None;
        }
        if let (Some(layer), Some(item)) = (section, line.strip_prefix("- `")) {
            let name = item.split('`').next().unwrap_or_default();
            let top = name.split(['/', ':', '.']).next().unwrap_or_default();
            listed.entry(top.to_owned()).or_insert(layer);
        }
    }
    for (module, layer) in MODULES {
        assert_eq!(
            listed.get(*module),
            Some(layer),
            "ARCHITECTURE.md should list `{module}` under ### {}",
            layer.heading()
        );
    }
}

#[test]
fn the_checker_sees_an_upward_import_and_skips_tests() {
    let code = code_only(
        "use crate::library::Library; // crate::api in a comment\n\
         #[cfg(test)]\nmod tests { use crate::api::Session; }\n\
         #[cfg(test)]\nuse crate::mail::send;\n\
         fn f() { crate::fsx::io_reason(&e); }\n",
    );
    let used: Vec<String> = uses(&code).into_iter().collect();
    assert_eq!(used, ["fsx", "library"]);
}
