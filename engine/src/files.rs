//! Where `kubectl apply -f PATH` reads from: the disk for the native binary
//! (relative to the script), named buffers in the browser.

use std::collections::BTreeMap;

pub trait FileSource {
    /// The text of `path`, or a message saying why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// Files held in memory, such as the browser's editor buffer.
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<String, String>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        MemoryFiles::default()
    }

    pub fn with(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.to_string(), text.to_string());
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.files.iter()
    }

    pub fn insert(&mut self, path: &str, text: &str) {
        self.files.insert(path.to_string(), text.to_string());
    }
}

impl FileSource for MemoryFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("error: the path \"{path}\" does not exist"))
    }
}

/// No files at all.
pub struct NoFiles;

impl FileSource for NoFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        Err(format!("error: the path \"{path}\" does not exist"))
    }
}

/// Whether a command line reads workspace files (`kubectl apply -f`,
/// `kubectl create configmap --from-file` ...): a recorded timeline keeps
/// their text with the command, so a replay reads what it read.
pub fn reads_files(line: &str) -> bool {
    [
        " -f ",
        " -f=",
        "--filename",
        "--from-file",
        "--from-env-file",
        "--cert",
        "--key",
    ]
    .iter()
    .any(|flag| line.contains(flag))
}
