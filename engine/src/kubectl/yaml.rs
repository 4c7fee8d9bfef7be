//! YAML as kubectl prints it (sigs.k8s.io/yaml over go-yaml): keys sorted,
//! two-space indentation, list items level with their key, and strings
//! double-quoted only when they would otherwise read as something else.

use serde_json::Value;

/// Whether go-yaml would quote this string.
fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s != s.trim() {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ]
    .contains(&lower.as_str())
    {
        return true;
    }
    // Numbers, and timestamps (go-yaml resolves both).
    if s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with('.') && s[1..].parse::<f64>().is_ok()
    {
        return true;
    }
    let bytes = s.as_bytes();
    if bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[..4].iter().all(u8::is_ascii_digit)
    {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    let second = s.chars().nth(1);
    // `-`, `?` and `:` start a plain scalar unless a space (or nothing) follows.
    if "-?:".contains(first) && second.is_none_or(|c| c == ' ') {
        return true;
    }
    if ",[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\t')
}

fn quote(s: &str) -> String {
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' => vec!['\\', 'n'],
            '\t' => vec!['\\', 't'],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if needs_quotes(s) => quote(s),
        Value::String(s) => s.clone(),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(o) if !o.is_empty())
}

fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let pad = " ".repeat(indent);
                let k = if needs_quotes(key) {
                    quote(key)
                } else {
                    key.clone()
                };
                match v {
                    Value::String(s) if s.contains('\n') => {
                        // Literal block, as go-yaml writes multi-line strings.
                        let chomp = if s.ends_with('\n') { "" } else { "-" };
                        out.push_str(&format!("{pad}{k}: |{chomp}\n"));
                        for line in s.trim_end_matches('\n').split('\n') {
                            out.push_str(&format!("{pad}  {line}\n"));
                        }
                    }
                    Value::Array(items) if !items.is_empty() => {
                        // List items sit level with their key.
                        out.push_str(&format!("{pad}{k}:\n"));
                        write_value(out, v, indent);
                    }
                    _ if is_block(v) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        write_value(out, v, indent + 2);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(v))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let pad = " ".repeat(indent);
                if is_block(item) && item.is_object() {
                    let mut inner = String::new();
                    write_value(&mut inner, item, indent + 2);
                    // The first line of the item goes after the dash.
                    let trimmed = inner.trim_start_matches(' ');
                    out.push_str(&format!("{pad}- {trimmed}"));
                } else if is_block(item) {
                    out.push_str(&format!("{pad}-\n"));
                    write_value(out, item, indent + 2);
                } else {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                }
            }
        }
        other => out.push_str(&format!("{}{}\n", " ".repeat(indent), scalar(other))),
    }
}

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn looks_like_kubectl() {
        let v = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "resourceVersion": "67", "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}], "securityContext": {}},
            "status": {"conditions": [{"status": "True", "type": "Ready"}]}
        });
        let expected = "\
apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: \"2026-01-01T00:00:00Z\"
  labels:
    app: web
  name: web
  resourceVersion: \"67\"
spec:
  containers:
  - image: nginx:1.27
    name: nginx
    ports:
    - containerPort: 80
  securityContext: {}
status:
  conditions:
  - status: \"True\"
    type: Ready
";
        assert_eq!(to_yaml(&v), expected);
    }

    #[test]
    fn multi_line_strings_are_blocks() {
        let v = json!({"a": "line1\nline2\n"});
        assert_eq!(to_yaml(&v), "a: |\n  line1\n  line2\n");
    }
}
