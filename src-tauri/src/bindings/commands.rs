//! `ui/src/bindings/commands.ts`: the window's side of every `#[tauri::command]` in
//! `src/app/` — its name, its arguments under the keys the webview must send (Tauri's
//! camelCase), their types and what it resolves to — and the events of `src/app/events.rs`.
//! `api.ts` types its one `call` by this map, so a misspelt command, a wrong argument key or
//! a wrong event name fails `vue-tsc` instead of failing in the clerk's window.
//!
//! The source is read as text with `syn` (the app is a binary behind the `desktop` feature,
//! and this test runs without it). A command that is not in `generate_handler!`, or a handler
//! entry that names no command, fails [`every_command_is_registered_once`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, FnArg, GenericArgument, Item, Lit, Pat, PathArguments, ReturnType, Token, Type};

fn app_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app")
}

fn parse(path: &Path) -> syn::File {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// The command files of `src/app/`, by module name.
fn app_files() -> BTreeMap<String, syn::File> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(app_dir()).expect("read src/app") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|x| x == "rs") {
            let module = path
                .file_stem()
                .expect("file stem")
                .to_string_lossy()
                .into_owned();
            files.insert(module, parse(&path));
        }
    }
    files
}

struct Command {
    module: String,
    name: String,
    docs: Vec<String>,
    /// The key the webview sends, and the Rust type.
    args: Vec<(String, Type)>,
    output: Option<Type>,
}

fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn last_ident(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

/// What Tauri fills in itself: never sent by the webview.
fn injected(ty: &Type) -> bool {
    last_ident(ty).is_some_and(|s| {
        ["State", "Window", "AppHandle", "Webview", "WebviewWindow"]
            .iter()
            .any(|i| s.ident == i)
    })
}

/// Tauri's default: `file_id` is sent as `fileId`, unless the command says snake_case.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn commands(files: &BTreeMap<String, syn::File>) -> Vec<Command> {
    let mut out = Vec::new();
    for (module, file) in files {
        for item in &file.items {
            let Item::Fn(f) = item else { continue };
            let Some(attr) = f.attrs.iter().find(|a| {
                let segments: Vec<String> = a
                    .path()
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                segments == ["tauri", "command"] || segments == ["command"]
            }) else {
                continue;
            };
            let snake_case = match &attr.meta {
                syn::Meta::List(list) => list.tokens.to_string().contains("\"snake_case\""),
                _ => false,
            };
            let args = f
                .sig
                .inputs
                .iter()
                .filter_map(|arg| {
                    let FnArg::Typed(arg) = arg else {
                        panic!("{module}::{}: a command takes no self", f.sig.ident)
                    };
                    if injected(&arg.ty) {
                        return None;
                    }
                    let Pat::Ident(name) = &*arg.pat else {
                        panic!(
                            "{module}::{}: an argument must be a plain name",
                            f.sig.ident
                        )
                    };
                    let name = name.ident.to_string();
                    let key = if snake_case { name } else { camel(&name) };
                    Some((key, (*arg.ty).clone()))
                })
                .collect();
            let output = match &f.sig.output {
                ReturnType::Default => None,
                ReturnType::Type(_, ty) => Some((**ty).clone()),
            };
            out.push(Command {
                module: module.clone(),
                name: f.sig.ident.to_string(),
                docs: docs(&f.attrs),
                args,
                output,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The `module::command` paths inside `generate_handler![…]` in `src/app.rs`.
fn registered() -> Vec<String> {
    struct Handler(Vec<String>);
    impl<'a> Visit<'a> for Handler {
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if m.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "generate_handler")
            {
                let paths = m
                    .parse_body_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                    .expect("generate_handler! lists paths");
                self.0.extend(paths.iter().map(|p| {
                    p.segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect::<Vec<_>>()
                        .join("::")
                }));
            }
            syn::visit::visit_macro(self, m);
        }
    }
    let app = parse(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app.rs"));
    let mut handler = Handler(Vec::new());
    handler.visit_file(&app);
    handler.0
}

/// The TypeScript for a Rust type that crosses the boundary; the names ts-rs exports are
/// imported (and must exist among `known`, the files ts-rs wrote).
fn ts(ty: &Type, known: &BTreeSet<String>, imports: &mut BTreeSet<String>, at: &str) -> String {
    if let Type::Tuple(t) = ty
        && t.elems.is_empty()
    {
        return "null".into();
    }
    let Some(seg) = last_ident(ty) else {
        panic!("{at}: no TypeScript for `{}`", quote_type(ty))
    };
    let generic = |i: usize| -> &Type {
        match &seg.arguments {
            PathArguments::AngleBracketed(a) => a
                .args
                .iter()
                .filter_map(|g| match g {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .nth(i)
                .unwrap_or_else(|| panic!("{at}: `{}` lacks a type argument", seg.ident)),
            _ => panic!("{at}: `{}` lacks a type argument", seg.ident),
        }
    };
    let name = seg.ident.to_string();
    match name.as_str() {
        "String" | "str" | "PathBuf" | "NaiveDate" => "string".into(),
        "bool" => "boolean".into(),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" | "f32"
        | "f64" => "number".into(),
        "Option" => format!("{} | null", ts(generic(0), known, imports, at)),
        "Vec" => format!("Array<{}>", ts(generic(0), known, imports, at)),
        // `tauri::ipc::Response`: raw bytes, which `invoke` resolves to an ArrayBuffer.
        "Response" => "ArrayBuffer".into(),
        "Channel" => {
            imports.insert("Channel".into());
            format!("Channel<{}>", ts(generic(0), known, imports, at))
        }
        _ if known.contains(&name) => {
            imports.insert(name.clone());
            name
        }
        _ => panic!(
            "{at}: `{name}` crosses the boundary but has no ts-rs binding; add it to `export_all` in bindings.rs"
        ),
    }
}

/// What a command resolves to: the `Ok` of its `Result`, `void` for nothing.
fn result_ts(
    output: Option<&Type>,
    known: &BTreeSet<String>,
    imports: &mut BTreeSet<String>,
    at: &str,
) -> String {
    let Some(ty) = output else {
        return "void".into();
    };
    let inner = match last_ident(ty) {
        Some(seg) if seg.ident == "Result" => match &seg.arguments {
            PathArguments::AngleBracketed(a) => match a.args.first() {
                Some(GenericArgument::Type(t)) => t.clone(),
                _ => panic!("{at}: Result without a type"),
            },
            _ => panic!("{at}: Result without a type"),
        },
        _ => ty.clone(),
    };
    match ts(&inner, known, imports, at).as_str() {
        "null" => "void".into(),
        other => other.into(),
    }
}

fn quote_type(ty: &Type) -> String {
    match last_ident(ty) {
        Some(seg) => seg.ident.to_string(),
        None => "?".into(),
    }
}

/// `pub const NAME: Event<Payload> = Event::new("wire-name");` in `src/app/events.rs`.
fn events(files: &BTreeMap<String, syn::File>) -> Vec<(String, String, Type)> {
    let Some(file) = files.get("events") else {
        return Vec::new();
    };
    file.items
        .iter()
        .filter_map(|item| {
            let Item::Const(c) = item else { return None };
            let seg = last_ident(&c.ty)?;
            if seg.ident != "Event" {
                return None;
            }
            let PathArguments::AngleBracketed(a) = &seg.arguments else {
                panic!("events::{}: Event without a payload type", c.ident)
            };
            let Some(GenericArgument::Type(payload)) = a.args.first() else {
                panic!("events::{}: Event without a payload type", c.ident)
            };
            let Expr::Call(call) = &*c.expr else {
                panic!("events::{}: write it as Event::new(\"name\")", c.ident)
            };
            let Some(Expr::Lit(syn::ExprLit {
                lit: Lit::Str(wire),
                ..
            })) = call.args.first()
            else {
                panic!("events::{}: write it as Event::new(\"name\")", c.ident)
            };
            Some((c.ident.to_string(), wire.value(), payload.clone()))
        })
        .collect()
}

fn jsdoc(docs: &[String], indent: &str) -> String {
    if docs.is_empty() {
        return String::new();
    }
    let mut out = format!("{indent}/**\n");
    for line in docs {
        out.push_str(&format!("{indent} * {line}\n").replace(" * \n", " *\n"));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

/// The text of `commands.ts`; `known` are the type names ts-rs exported.
pub(super) fn commands_ts(known: &BTreeSet<String>) -> String {
    let files = app_files();
    let mut imports = BTreeSet::new();
    let mut body = String::from(
        "/**\n * Every command the window may invoke: the arguments under the keys the webview sends,\n * and what the command resolves to. `null` args: the command takes none.\n */\nexport type Commands = {\n",
    );
    for c in commands(&files) {
        let at = format!("{}::{}", c.module, c.name);
        let args = if c.args.is_empty() {
            "null".to_owned()
        } else {
            let fields: Vec<String> = c
                .args
                .iter()
                .map(|(key, ty)| format!("{key}: {}", ts(ty, known, &mut imports, &at)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        };
        let result = result_ts(c.output.as_ref(), known, &mut imports, &at);
        body.push_str(&jsdoc(&c.docs, "  "));
        body.push_str(&format!(
            "  {}: {{ args: {args}, result: {result} }},\n",
            c.name
        ));
    }
    body.push_str("};\n\nexport type Command = keyof Commands;\n\n");
    let events = events(&files);
    body.push_str(
        "/** The events the window hears, by their Rust names. */\nexport const EVENTS = {\n",
    );
    for (name, wire, _) in &events {
        body.push_str(&format!("  {name}: \"{wire}\",\n"));
    }
    body.push_str(
        "} as const;\n\n/** What each event carries. */\nexport type EventPayloads = {\n",
    );
    for (name, wire, payload) in &events {
        let ty = ts(payload, known, &mut imports, &format!("events::{name}"));
        body.push_str(&format!("  \"{wire}\": {ty},\n"));
    }
    body.push_str("};\n");
    let mut head = String::from(
        "// Generated from the #[tauri::command] functions of src-tauri/src/app/ and its events.rs\n// by `cargo test -p baosong --lib bindings` (UPDATE_BINDINGS=1 rewrites it). Do not edit.\n",
    );
    if imports.remove("Channel") {
        head.push_str("import type { Channel } from \"@tauri-apps/api/core\";\n");
    }
    for name in &imports {
        head.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
    }
    format!("{head}\n{body}")
}

#[test]
fn every_command_is_registered_once() {
    let files = app_files();
    let defined: Vec<String> = commands(&files)
        .iter()
        .map(|c| format!("{}::{}", c.module, c.name))
        .collect();
    let registered = registered();
    assert!(
        defined.len() > 40,
        "too few commands found in src/app: {defined:?}"
    );
    let missing: Vec<&String> = defined.iter().filter(|d| !registered.contains(d)).collect();
    assert!(
        missing.is_empty(),
        "commands not in generate_handler! (src/app.rs): {missing:?}"
    );
    let unknown: Vec<&String> = registered.iter().filter(|r| !defined.contains(r)).collect();
    assert!(
        unknown.is_empty(),
        "generate_handler! names what is no #[tauri::command] in src/app/: {unknown:?}"
    );
    // The webview calls a command by its bare name: two modules may not both have one.
    let mut names = BTreeSet::new();
    let twice: Vec<&String> = defined
        .iter()
        .filter(|d| !names.insert(d.rsplit("::").next().unwrap_or(d)))
        .collect();
    assert!(twice.is_empty(), "command names used twice: {twice:?}");
    let mut seen = BTreeSet::new();
    let listed_twice: Vec<&String> = registered.iter().filter(|r| !seen.insert(*r)).collect();
    assert!(
        listed_twice.is_empty(),
        "generate_handler! lists twice: {listed_twice:?}"
    );
}

#[test]
fn argument_keys_are_what_tauri_expects() {
    assert_eq!(camel("file_id"), "fileId");
    assert_eq!(camel("on_progress"), "onProgress");
    assert_eq!(camel("max_message_bytes"), "maxMessageBytes");
    assert_eq!(camel("id"), "id");
}
