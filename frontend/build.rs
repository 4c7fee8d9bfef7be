//! Embeds the lessons of `../lessons` in the app: for every folder with a
//! `lesson.yaml`, its text and the manifests beside it become `include_str!`
//! entries in `$OUT_DIR/lessons.rs`. A lesson added or changed rebuilds the app.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let lessons = manifest_dir.join("..").join("lessons");
    println!("cargo:rerun-if-changed={}", lessons.display());
    println!("cargo:rerun-if-changed=build.rs");

    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&lessons)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("lesson.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();

    let mut out = String::from(
        "/// Every lesson folder: (folder name, lesson.yaml, [(manifest name, text)]).\n\
         pub static LESSON_SOURCES: &[(&str, &str, &[(&str, &str)])] = &[\n",
    );
    for dir in &dirs {
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let yaml = dir.join("lesson.yaml");
        println!("cargo:rerun-if-changed={}", yaml.display());
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| is_manifest(p));
        files.sort();
        let _ = write!(
            out,
            "    ({folder:?}, include_str!({:?}), &[",
            path_str(&yaml)
        );
        for file in &files {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let _ = write!(out, "({name:?}, include_str!({:?})), ", path_str(file));
        }
        out.push_str("]),\n");
    }
    out.push_str("];\n");

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(e) = std::fs::write(out_dir.join("lessons.rs"), out) {
        panic!("cannot write lessons.rs: {e}");
    }
}

fn is_manifest(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name != "lesson.yaml" && (name.ends_with(".yaml") || name.ends_with(".yml")) && path.is_file()
}

fn path_str(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .to_string()
}
