//! Manifests: YAML text, possibly several documents, into JSON values that
//! remember where each field was written, so that every error can name its
//! line and column.
//!
//! `yaml.rs` builds the values from yaml-rust2's events; the same events,
//! with their marks, give each field's position.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A manifest that cannot be applied, with where the problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// The file name as the learner gave it.
    pub source: String,
    /// 1-based line of the problem in the file, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// The whole message, worded as kubectl prints it.
    pub message: String,
}

impl ManifestError {
    /// The message, followed by where the problem is when the message does not say.
    pub fn with_position(&self) -> String {
        match (self.line, self.column) {
            (Some(line), _) if self.message.contains(&format!("line {line}")) => {
                self.message.clone()
            }
            (Some(line), Some(column)) => format!(
                "{}\n  at {}: line {line}, column {column}",
                self.message, self.source
            ),
            (Some(line), None) => format!("{}\n  at {}: line {line}", self.message, self.source),
            _ => self.message.clone(),
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestError {}

/// One YAML document of a manifest file.
#[derive(Clone, Debug)]
pub struct Document {
    pub value: serde_json::Value,
    pub positions: Positions,
}

/// Field path (`spec.template.spec.containers[0].image`) → (line, column), 1-based.
#[derive(Clone, Debug, Default)]
pub struct Positions {
    by_path: HashMap<String, (usize, usize)>,
    /// Where the document starts, for errors about the whole object.
    pub start: (usize, usize),
}

impl Positions {
    pub fn of(&self, path: &str) -> Option<(usize, usize)> {
        self.by_path.get(path).copied()
    }

    /// The position of `path`, or of its closest ancestor that has one.
    pub fn nearest(&self, path: &str) -> (usize, usize) {
        let mut current = path.to_string();
        loop {
            if let Some(pos) = self.of(&current) {
                return pos;
            }
            match current.rfind(['.', '[']) {
                Some(cut) => current.truncate(cut),
                None => return self.start,
            }
        }
    }
}

/// Splits `text` into its non-empty documents, parsed once: the values as
/// kubectl reads them (`yaml.rs`) and the positions from the same events.
pub fn parse_documents(source: &str, text: &str) -> Result<Vec<Document>, ManifestError> {
    let mut reader = Reader::default();
    if let Err(e) = Parser::new_from_str(text).load(&mut reader, true) {
        return Err(yaml_error(source, crate::yaml::scan_error(&e)));
    }
    let values = reader.values.finish().map_err(|e| yaml_error(source, e))?;
    let mut positions = reader.positions.documents.into_iter();
    Ok(values
        .into_iter()
        .map(|value| (value, positions.next().unwrap_or_default()))
        .filter(|(value, _)| !value.is_null())
        .map(|(value, positions)| Document { value, positions })
        .collect())
}

/// One pass over the parser's events for both values and positions.
#[derive(Default)]
struct Reader {
    values: crate::yaml::Builder,
    positions: PositionRecorder,
}

impl MarkedEventReceiver for Reader {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.values.event(&event, mark);
        self.positions.on_event(event, mark);
    }
}

/// Words a YAML error as kubectl does:
/// `error converting YAML to JSON: yaml: line 7: mapping values are not allowed in this context`.
fn yaml_error(source: &str, err: crate::yaml::YamlError) -> ManifestError {
    ManifestError {
        source: source.to_string(),
        line: Some(err.line),
        column: Some(err.column),
        message: format!(
            "error: error parsing {source}: error converting YAML to JSON: {}",
            err.message
        ),
    }
}

#[derive(Default)]
struct PositionRecorder {
    documents: Vec<Positions>,
    current: Positions,
    /// Open collections from the root down.
    stack: Vec<Frame>,
}

enum Frame {
    /// `placed`: whether the mapping's own position is known yet (it is its first key's).
    Mapping {
        path: String,
        pending_key: Option<String>,
        placed: bool,
    },
    Sequence {
        path: String,
        next_index: usize,
    },
}

fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl PositionRecorder {
    /// The path of the node that starts now, and whether it is a mapping key.
    fn next_node_path(&mut self) -> (Option<String>, bool) {
        match self.stack.last_mut() {
            None => (Some(String::new()), false),
            Some(Frame::Mapping {
                path, pending_key, ..
            }) => match pending_key.take() {
                Some(key) => (Some(child_path(path, &key)), false),
                None => (None, true),
            },
            Some(Frame::Sequence { path, next_index }) => {
                let p = format!("{path}[{next_index}]");
                *next_index += 1;
                (Some(p), false)
            }
        }
    }
}

impl MarkedEventReceiver for PositionRecorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let here = (mark.line(), mark.col() + 1);
        match event {
            Event::DocumentStart => {
                self.current = Positions {
                    start: here,
                    ..Positions::default()
                };
                self.stack.clear();
            }
            Event::DocumentEnd => self.documents.push(std::mem::take(&mut self.current)),
            Event::Scalar(text, ..) => {
                let (path, is_key) = self.next_node_path();
                if is_key {
                    if let Some(Frame::Mapping {
                        path,
                        pending_key,
                        placed,
                    }) = self.stack.last_mut()
                    {
                        // A key's position is where learners look for the field;
                        // a mapping's is where its first key is.
                        if !*placed {
                            self.current.by_path.entry(path.clone()).or_insert(here);
                            *placed = true;
                        }
                        self.current.by_path.insert(child_path(path, &text), here);
                        *pending_key = Some(text);
                    }
                } else if let Some(path) = path {
                    self.current.by_path.entry(path).or_insert(here);
                }
            }
            Event::Alias(_) => {
                self.next_node_path();
            }
            Event::MappingStart(..) => {
                let (path, _) = self.next_node_path();
                let path = path.unwrap_or_default();
                self.stack.push(Frame::Mapping {
                    path,
                    pending_key: None,
                    placed: false,
                });
            }
            Event::SequenceStart(..) => {
                let (path, _) = self.next_node_path();
                let path = path.unwrap_or_default();
                self.current.by_path.entry(path.clone()).or_insert(here);
                self.stack.push(Frame::Sequence {
                    path,
                    next_index: 0,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_DOCS: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  containers:
  - name: c
    image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: b
";

    #[test]
    fn unquoted_leading_zero_numbers_are_octal_as_in_yaml_1_1() {
        let text = "a:\n  mode: 0400\n  quoted: \"0400\"\n  list: [0644, 08, 0]\n";
        let docs = parse_documents("m.yaml", text).unwrap();
        assert_eq!(
            docs[0].value,
            // go-yaml v2: `08` is no octal number, but it matches its float pattern.
            serde_json::json!({"a": {"mode": 256, "quoted": "0400", "list": [420, 8, 0]}})
        );
    }

    #[test]
    fn splits_documents_and_records_positions() {
        let docs = parse_documents("two.yaml", TWO_DOCS).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value["metadata"]["name"], "a");
        assert_eq!(docs[1].value["metadata"]["name"], "b");
        assert_eq!(
            docs[0].positions.of("spec.containers[0].image"),
            Some((8, 5))
        );
        assert_eq!(docs[0].positions.of("spec.containers[0]"), Some((7, 5)));
        assert_eq!(docs[1].positions.of("metadata.name"), Some((13, 3)));
        assert_eq!(
            docs[0].positions.nearest("spec.containers[0].nope.deeper"),
            (7, 5)
        );
    }

    #[test]
    fn skips_empty_documents() {
        let docs = parse_documents(
            "x.yaml",
            "---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: app: web\n";
        let err = parse_documents("bad.yaml", text).unwrap_err();
        assert_eq!(err.line, Some(5));
        assert!(
            err.message.starts_with(
                "error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 5: "
            ),
            "{}",
            err.message
        );
    }

    #[test]
    fn errors_in_later_documents_keep_absolute_lines() {
        let text = format!("{TWO_DOCS}---\nkind: Pod\n  bad: [\n");
        let err = parse_documents("x.yaml", &text).unwrap_err();
        assert!(err.line.unwrap() >= 15, "{err:?}");
    }
}
