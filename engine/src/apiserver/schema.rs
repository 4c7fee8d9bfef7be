//! The shape of every v1.34 API type (from Kubernetes' OpenAPI schema,
//! `openapi_v1_34.txt`, written by scripts/gen-openapi-schema.py), and the
//! check a manifest passes before it becomes a typed object: what the API
//! server's JSON decoder refuses, in its words.
//!
//! Checking against the schema rather than through each type's serde code
//! keeps the decoder one small loop (the browser build carried a copy of
//! every type's deserializer per decoder before) and gives Go's messages:
//! `json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32`
//! (encoding/json's UnmarshalTypeError, as sigs.k8s.io/json reports it).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

const SCHEMA: &str = include_str!("openapi_v1_34.txt");

/// A field's type, as the schema gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    String,
    Bool,
    Int32,
    Int64,
    Float,
    /// `[]byte`: base64 text in JSON.
    Bytes,
    /// metav1.Time and MicroTime: RFC 3339 text.
    Time,
    Quantity,
    IntOrString,
    /// Free-form JSON (RawExtension, JSON, FieldsV1, ...).
    Any,
    Array(Box<Ty>),
    Map(Box<Ty>),
    /// A definition, by its position in the schema.
    Struct(usize),
}

/// A struct definition: its Go name and its fields, sorted by name.
#[derive(Debug)]
pub struct Definition {
    pub id: String,
    fields: Vec<(String, Ty)>,
}

impl Definition {
    /// The Go type as reflect prints it: `v1.PodSpec`.
    pub fn go_type(&self) -> String {
        let mut parts = self.id.rsplit('.');
        let name = parts.next().unwrap_or_default();
        let package = parts.next().unwrap_or_default();
        format!("{package}.{name}")
    }

    fn go_name(&self) -> &str {
        self.id.rsplit('.').next().unwrap_or_default()
    }

    pub fn field(&self, name: &str) -> Option<&Ty> {
        self.fields
            .binary_search_by(|(f, _)| f.as_str().cmp(name))
            .ok()
            .map(|i| &self.fields[i].1)
    }
}

pub struct Schema {
    definitions: Vec<Definition>,
    by_kind: HashMap<(String, String), usize>,
}

/// The schema, read from its text the first time it is needed.
pub fn schema() -> &'static Schema {
    static SCHEMA_CELL: OnceLock<Schema> = OnceLock::new();
    SCHEMA_CELL.get_or_init(|| Schema::parse(SCHEMA))
}

fn parse_ty(text: &str) -> Ty {
    let mut chars = text.chars();
    match chars.next() {
        Some('s') => Ty::String,
        Some('b') => Ty::Bool,
        Some('i') => Ty::Int32,
        Some('l') => Ty::Int64,
        Some('f') => Ty::Float,
        Some('y') => Ty::Bytes,
        Some('t') => Ty::Time,
        Some('q') => Ty::Quantity,
        Some('o') => Ty::IntOrString,
        Some('[') => Ty::Array(Box::new(parse_ty(chars.as_str()))),
        Some('{') => Ty::Map(Box::new(parse_ty(chars.as_str()))),
        Some('#') => chars.as_str().parse().map_or(Ty::Any, Ty::Struct),
        _ => Ty::Any,
    }
}

impl Schema {
    fn parse(text: &str) -> Schema {
        let mut definitions = Vec::new();
        let mut by_kind = HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut columns = line.split('\t');
            let id = columns.next().unwrap_or_default().to_string();
            let served = columns.next().unwrap_or("-");
            let mut fields: Vec<(String, Ty)> = columns
                .next()
                .unwrap_or_default()
                .split(' ')
                .filter_map(|f| f.split_once('='))
                .map(|(name, ty)| (name.to_string(), parse_ty(ty)))
                .collect();
            crate::sorting::sort_by(&mut fields, |a, b| a.0.cmp(&b.0));
            if let Some((api_version, kind)) = served.rsplit_once('/') {
                by_kind.insert(
                    (api_version.to_string(), kind.to_string()),
                    definitions.len(),
                );
            }
            definitions.push(Definition { id, fields });
        }
        Schema {
            definitions,
            by_kind,
        }
    }

    /// The definition of the kind served as `apiVersion`/`kind`.
    pub fn kind(&self, api_version: &str, kind: &str) -> Option<usize> {
        self.by_kind
            .get(&(api_version.to_string(), kind.to_string()))
            .copied()
    }

    pub fn definition(&self, index: usize) -> Option<&Definition> {
        self.definitions.get(index)
    }

    /// Checks `value` as an object of definition `index`, as the API server
    /// decodes a body: the first value of the wrong type stops it (with Go's
    /// message); otherwise every unknown field is listed (strict decoding).
    /// The value comes back without its nulls (Go leaves a null field unset).
    pub fn check(&self, index: usize, value: &Value) -> Checked {
        let mut walk = Walk {
            schema: self,
            type_error: None,
            unknown: Vec::new(),
        };
        let root = Place {
            struct_name: self.definitions.get(index).map_or("", |d| d.go_name()),
            go_path: String::new(),
            path: String::new(),
        };
        let value = walk.value(&Ty::Struct(index), value, &root);
        Checked {
            value,
            type_error: walk.type_error,
            unknown: walk.unknown,
        }
    }
}

/// What [`Schema::check`] found.
#[derive(Debug)]
pub struct Checked {
    pub value: Value,
    pub type_error: Option<TypeError>,
    /// Paths of unknown fields (`spec.containers[0].imagee`), in order.
    pub unknown: Vec<String>,
}

/// A value the decoder cannot put in its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError {
    /// Where, with list indices (`spec.containers[0].ports[0].containerPort`).
    pub path: String,
    /// As the API server words it, without the `cannot be handled as` prefix.
    pub message: String,
}

/// Where the walk is: the Go struct that holds the current field, the field's
/// path as Go's decoder names it (no indices), and the path with indices.
struct Place<'a> {
    struct_name: &'a str,
    go_path: String,
    path: String,
}

struct Walk<'s> {
    schema: &'s Schema,
    type_error: Option<TypeError>,
    unknown: Vec<String>,
}

/// How encoding/json names a JSON value in its messages.
fn json_kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
    }
}

/// The Go type of a field of this schema type, as reflect prints it.
fn go_type(schema: &Schema, ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::Int32 => "int32".into(),
        Ty::Int64 => "int64".into(),
        Ty::Float => "float64".into(),
        Ty::Bytes => "[]uint8".into(),
        Ty::Time => "v1.Time".into(),
        Ty::Quantity => "resource.Quantity".into(),
        Ty::IntOrString => "intstr.IntOrString".into(),
        Ty::Any => "interface {}".into(),
        Ty::Array(inner) => format!("[]{}", go_type(schema, inner)),
        Ty::Map(inner) => format!("map[string]{}", go_type(schema, inner)),
        Ty::Struct(i) => schema
            .definition(*i)
            .map_or_else(|| "struct".into(), Definition::go_type),
    }
}

/// Where Go's base64 decoder gives up on `text` (StdEncoding), if it does.
fn base64_error(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let is_alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let data_len = bytes.iter().position(|&b| b == b'=').unwrap_or(bytes.len());
    if let Some(bad) = bytes[..data_len].iter().position(|&b| !is_alphabet(b)) {
        return Some(bad);
    }
    let padding = &bytes[data_len..];
    if padding.iter().any(|&b| b != b'=') {
        return Some(data_len + padding.iter().position(|&b| b != b'=').unwrap_or(0));
    }
    // A last quantum of one character, or one not padded to four, is corrupt
    // at its start (base64.go decodeQuantum).
    let quantum_start = data_len - data_len % 4;
    let short = data_len % 4;
    if short == 1
        || (short != 0 && short + padding.len() != 4)
        || (short == 0 && !padding.is_empty())
    {
        return Some(quantum_start);
    }
    None
}

impl Walk<'_> {
    fn refuse(&mut self, place: &Place, message: String) {
        if self.type_error.is_none() {
            self.type_error = Some(TypeError {
                path: place.path.clone(),
                message,
            });
        }
    }

    /// encoding/json's UnmarshalTypeError for a value in a struct field.
    fn wrong_type(&mut self, place: &Place, found: String, ty: &Ty) {
        let message = format!(
            "json: cannot unmarshal {found} into Go struct field {}.{} of type {}",
            place.struct_name,
            place.go_path,
            go_type(self.schema, ty)
        );
        self.refuse(place, message);
    }

    fn value(&mut self, ty: &Ty, value: &Value, place: &Place) -> Value {
        match (ty, value) {
            (Ty::Any, _) => value.clone(),
            (Ty::String, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => value.clone(),
            (Ty::Float, Value::Number(_)) => value.clone(),
            (Ty::Int32 | Ty::Int64, Value::Number(n)) => {
                let fits = match ty {
                    Ty::Int32 => n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
                    _ => n.as_i64().is_some(),
                };
                if !fits {
                    self.wrong_type(place, format!("number {n}"), ty);
                }
                value.clone()
            }
            (Ty::Bytes, Value::String(text)) => {
                if let Some(at) = base64_error(text) {
                    self.refuse(place, format!("illegal base64 data at input byte {at}"));
                }
                value.clone()
            }
            // Types with their own UnmarshalJSON: their errors carry no field.
            (Ty::Time, Value::String(_)) => value.clone(),
            (Ty::Time, other) => {
                let found = json_kind(other);
                self.refuse(
                    place,
                    format!("json: cannot unmarshal {found} into Go value of type string"),
                );
                value.clone()
            }
            (Ty::Quantity, Value::String(text)) => {
                if let Some(message) = crate::quantity::parse_error(text) {
                    self.refuse(place, message.to_string());
                }
                value.clone()
            }
            (Ty::Quantity, Value::Number(n)) => {
                if let Some(message) = crate::quantity::parse_error(&n.to_string()) {
                    self.refuse(place, message.to_string());
                }
                value.clone()
            }
            (Ty::Quantity, _) => {
                self.refuse(place, crate::quantity::FORMAT_WRONG.to_string());
                value.clone()
            }
            (Ty::IntOrString, Value::String(_)) => value.clone(),
            (Ty::IntOrString, other) => {
                let fits = other.as_i64().is_some_and(|v| i32::try_from(v).is_ok());
                if !fits {
                    let found = match other {
                        Value::Number(n) => format!("number {n}"),
                        _ => json_kind(other),
                    };
                    self.refuse(
                        place,
                        format!("json: cannot unmarshal {found} into Go value of type int32"),
                    );
                }
                value.clone()
            }
            (Ty::Array(inner), Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let at = Place {
                            struct_name: place.struct_name,
                            go_path: place.go_path.clone(),
                            path: format!("{}[{i}]", place.path),
                        };
                        if item.is_null() {
                            Value::Null
                        } else {
                            self.value(inner, item, &at)
                        }
                    })
                    .collect(),
            ),
            (Ty::Map(inner), Value::Object(entries)) => {
                let mut out = Map::new();
                for (key, item) in entries {
                    if item.is_null() {
                        continue;
                    }
                    let at = Place {
                        struct_name: place.struct_name,
                        go_path: place.go_path.clone(),
                        path: join(&place.path, key),
                    };
                    out.insert(key.clone(), self.value(inner, item, &at));
                }
                Value::Object(out)
            }
            (Ty::Struct(index), Value::Object(entries)) => {
                let Some(definition) = self.schema.definition(*index) else {
                    return value.clone();
                };
                let mut out = Map::new();
                for (key, item) in entries {
                    if item.is_null() {
                        continue;
                    }
                    let path = join(&place.path, key);
                    let Some(field_ty) = definition.field(key) else {
                        self.unknown.push(path);
                        continue;
                    };
                    let at = Place {
                        struct_name: definition.go_name(),
                        go_path: join(&place.go_path, key),
                        path,
                    };
                    out.insert(key.clone(), self.value(field_ty, item, &at));
                }
                Value::Object(out)
            }
            (_, other) => {
                let found = json_kind(other);
                self.wrong_type(place, found, ty);
                value.clone()
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(api_version: &str, kind: &str, value: Value) -> Checked {
        let schema = schema();
        let index = schema.kind(api_version, kind).expect("kind in the schema");
        schema.check(index, &value)
    }

    #[test]
    fn every_reference_points_at_a_definition() {
        let schema = schema();
        assert!(schema.definitions.len() > 500);
        fn refs(ty: &Ty, out: &mut Vec<usize>) {
            match ty {
                Ty::Struct(i) => out.push(*i),
                Ty::Array(inner) | Ty::Map(inner) => refs(inner, out),
                _ => {}
            }
        }
        for definition in &schema.definitions {
            let mut found = Vec::new();
            for (_, ty) in &definition.fields {
                refs(ty, &mut found);
            }
            for i in found {
                assert!(
                    i < schema.definitions.len(),
                    "{} refers to {i}",
                    definition.id
                );
            }
        }
        let pod = schema.kind("v1", "Pod").unwrap();
        assert_eq!(schema.definition(pod).unwrap().go_type(), "v1.Pod");
    }

    #[test]
    fn wrong_types_are_worded_as_go_words_them() {
        let checked = check(
            "v1",
            "Pod",
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                   "spec": {"containers": [{"name": "c", "image": "nginx",
                            "ports": [{"containerPort": "eighty"}]}]}}),
        );
        assert_eq!(
            checked.type_error,
            Some(TypeError {
                path: "spec.containers[0].ports[0].containerPort".into(),
                message: "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32".into(),
            })
        );
        let checked = check(
            "apps/v1",
            "Deployment",
            json!({"metadata": {"labels": {"tier": 1}}, "spec": "three"}),
        );
        assert_eq!(
            checked.type_error.unwrap().message,
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
        );
        let checked = check("apps/v1", "Deployment", json!({"spec": "three"}));
        assert_eq!(
            checked.type_error.unwrap().message,
            "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec"
        );
        let checked = check("v1", "Pod", json!({"spec": {"containers": {"name": "c"}}}));
        assert_eq!(
            checked.type_error.unwrap().message,
            "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container"
        );
        let checked = check("apps/v1", "Deployment", json!({"spec": {"replicas": 1.5}}));
        assert_eq!(
            checked.type_error.unwrap().message,
            "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"
        );
    }

    #[test]
    fn unknown_fields_are_listed_with_their_paths_and_nulls_dropped() {
        let checked = check(
            "v1",
            "Pod",
            json!({"metadata": {"name": "p", "labels": null},
                   "spec": {"containers": [{"name": "c", "imagee": "nginx"}], "restartPolicyy": "Never"}}),
        );
        assert_eq!(checked.type_error, None);
        assert_eq!(
            checked.unknown,
            vec!["spec.containers[0].imagee", "spec.restartPolicyy"]
        );
        assert_eq!(
            checked.value,
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}})
        );
    }

    #[test]
    fn quantities_int_or_strings_and_bytes_check_their_text() {
        let requests = |value: Value| {
            check(
                "v1",
                "Pod",
                json!({"spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": value}}}]}}),
            )
            .type_error
            .map(|e| e.message)
        };
        assert_eq!(requests(json!("100m")), None);
        assert_eq!(requests(json!(0.5)), None);
        assert_eq!(requests(json!("1e3")), None);
        assert_eq!(requests(json!("128Mi")), None);
        // quantity.go parseQuantityString: suffix letters come from "eEinumkKMGTP".
        assert_eq!(
            requests(json!("1Mb")).as_deref(),
            Some("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        );
        assert_eq!(
            requests(json!("1mi")).as_deref(),
            Some("unable to parse quantity's suffix")
        );
        assert_eq!(
            requests(json!("lots")).as_deref(),
            Some("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        );
        let surge = |value: Value| {
            check(
                "apps/v1",
                "Deployment",
                json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": value}}}}),
            )
            .type_error
            .map(|e| e.message)
        };
        assert_eq!(surge(json!("25%")), None);
        assert_eq!(surge(json!(2)), None);
        assert_eq!(
            surge(json!(true)).as_deref(),
            Some("json: cannot unmarshal bool into Go value of type int32")
        );
        let data = |value: &str| {
            check("v1", "Secret", json!({"data": {"password": value}}))
                .type_error
                .map(|e| e.message)
        };
        assert_eq!(data("cGFzc3dvcmQ="), None);
        assert_eq!(data("YWJj"), None);
        assert_eq!(
            data("pass word").as_deref(),
            Some("illegal base64 data at input byte 4")
        );
        assert_eq!(
            data("abc").as_deref(),
            Some("illegal base64 data at input byte 0")
        );
    }
}
