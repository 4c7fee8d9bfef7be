//! Scenario tests: every folder under tests/scenarios/ holds a `script.kp`
//! run by the real `kubeplay` binary, optional `args`, and `expected.txt`
//! with what it printed. `UPDATE_EXPECT=1 cargo test` rewrites the
//! expectations; review the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

/// Runs a script and renders what a terminal would show, stream by stream.
fn run(dir: &Path) -> String {
    let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let output = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .args(args.split_whitespace())
        .arg(dir.join("script.kp"))
        .output()
        .expect("kubeplay runs");
    format!(
        "## stdout\n{}## stderr\n{}## exit status: {}\n",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        output.status.code().unwrap_or(-1)
    )
}

#[test]
fn scenarios_print_what_they_expect() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("tests/scenarios exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("script.kp").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no scenarios found");
    let mut failures = Vec::new();
    for dir in &dirs {
        let actual = run(dir);
        let expected_path = dir.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &actual).expect("expected.txt is writable");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "scenario {} differs (UPDATE_EXPECT=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn same_seed_same_output_byte_for_byte() {
    let dir = scenarios_dir().join("nginx-deployment");
    let first = run(&dir);
    let second = run(&dir);
    assert_eq!(first, second);
    assert!(first.contains("Running"), "{first}");
}

#[test]
fn another_seed_names_pods_differently() {
    let script = scenarios_dir().join("nginx-deployment/script.kp");
    let names = |seed: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
            .args(["--seed", seed])
            .arg(&script)
            .output()
            .expect("kubeplay runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("nginx-deployment-") && l.contains("Running"))
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    let (a, b) = (names("1"), names("2"));
    assert_eq!(a.len(), 3);
    assert_eq!(b.len(), 3);
    assert_ne!(a, b);
}

#[test]
fn reads_standard_input_and_reports_failure() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubeplay runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"kubectl get nodes\nkubectl get frobs\n")
        .expect("write");
    let out = child.wait_with_output().expect("kubeplay finishes");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("node-3"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("doesn't have a resource type \"frobs\""));
}
