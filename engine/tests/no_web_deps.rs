//! The engine is a pure library: no web crate may enter its dependencies,
//! directly or through another crate.

use std::process::Command;

const WEB_CRATES: &[&str] = &[
    "wasm-bindgen",
    "web-sys",
    "js-sys",
    "yew",
    "gloo",
    "wasm-bindgen-futures",
];

#[test]
fn manifest_names_no_web_crate() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml readable");
    for line in manifest.lines() {
        let name = line.split(['=', ' ']).next().unwrap_or("").trim();
        assert!(
            !WEB_CRATES.contains(&name),
            "engine/Cargo.toml depends on the web crate {name}"
        );
    }
}

#[test]
fn dependency_tree_has_no_web_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "kubeplay-engine",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    for line in tree.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        assert!(
            !WEB_CRATES.contains(&name),
            "the engine pulls in {name}:\n{tree}"
        );
    }
    assert!(
        tree.contains("k8s-openapi"),
        "unexpected cargo tree output:\n{tree}"
    );
}
