//! YAML highlighting for the editor, line by line: comments, keys, strings,
//! numbers and booleans, list dashes and document separators.

/// One highlighted piece of a line: (CSS class or "", text).
pub type Piece = (&'static str, String);

fn value_class(value: &str) -> &'static str {
    let v = value.trim();
    if v.is_empty() {
        ""
    } else if v.starts_with('"') || v.starts_with('\'') {
        "y-str"
    } else if matches!(
        v,
        "true" | "false" | "null" | "~" | "yes" | "no" | "True" | "False"
    ) {
        "y-bool"
    } else if v.parse::<f64>().is_ok() {
        "y-num"
    } else if v.starts_with('&') || v.starts_with('*') || v.starts_with('!') {
        "y-tag"
    } else if v.starts_with('|') || v.starts_with('>') {
        "y-punct"
    } else {
        "y-val"
    }
}

/// Splits a line into its comment (from a `#` that starts the line or follows a space, outside quotes).
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return (&line[..i], &line[i..]),
            None => {}
        }
        prev = c;
    }
    (line, "")
}

pub fn line(text: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    if text.trim() == "---" || text.trim() == "..." {
        return vec![("y-doc", text.to_string())];
    }
    let (code, comment) = split_comment(text);
    let indent_len = code.len() - code.trim_start().len();
    let mut rest = &code[indent_len..];
    if indent_len > 0 {
        out.push(("", code[..indent_len].to_string()));
    }
    // List dashes.
    while let Some(after) = rest
        .strip_prefix("- ")
        .or_else(|| (rest == "-").then_some(""))
    {
        out.push(("y-punct", rest[..rest.len() - after.len()].to_string()));
        rest = after;
    }
    // `key: value`: a colon followed by a space or the end, outside quotes and flow collections.
    let key_end = if rest.starts_with('"')
        || rest.starts_with('\'')
        || rest.starts_with('{')
        || rest.starts_with('[')
    {
        None
    } else {
        rest.char_indices()
            .find(|&(i, c)| c == ':' && rest[i + 1..].chars().next().is_none_or(|n| n == ' '))
            .map(|(i, _)| i)
    };
    match key_end {
        Some(i) => {
            out.push(("y-key", rest[..i].to_string()));
            out.push(("y-punct", ":".to_string()));
            let value = &rest[i + 1..];
            if !value.is_empty() {
                out.push((value_class(value), value.to_string()));
            }
        }
        None if !rest.is_empty() => out.push((value_class(rest), rest.to_string())),
        None => {}
    }
    if !comment.is_empty() {
        out.push(("y-comment", comment.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str) -> Vec<&'static str> {
        line(text).into_iter().map(|(c, _)| c).collect()
    }

    #[test]
    fn yaml_lines() {
        assert_eq!(
            classes("apiVersion: apps/v1"),
            ["y-key", "y-punct", "y-val"]
        );
        assert_eq!(classes("  replicas: 3"), ["", "y-key", "y-punct", "y-num"]);
        assert_eq!(
            classes("- name: web # the app"),
            ["y-punct", "y-key", "y-punct", "y-val", "y-comment"]
        );
        assert_eq!(classes("---"), ["y-doc"]);
        assert_eq!(classes("# only a comment"), ["y-comment"]);
        assert_eq!(
            classes("  image: \"nginx:1.27\""),
            ["", "y-key", "y-punct", "y-str"]
        );
        assert_eq!(
            classes("    - containerPort: 80"),
            ["", "y-punct", "y-key", "y-punct", "y-num"]
        );
        assert_eq!(classes("spec:"), ["y-key", "y-punct"]);
        assert_eq!(
            classes("  url: http://x:80/a#b"),
            ["", "y-key", "y-punct", "y-val"]
        );
        // The pieces always give back the line.
        for text in ["a: b # c", "  - - x", "\"q: uoted\": 1", "x:y", "été: 중국"] {
            let joined: String = line(text).into_iter().map(|(_, t)| t).collect();
            assert_eq!(joined, text);
        }
    }
}
