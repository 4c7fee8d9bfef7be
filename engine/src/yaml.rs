//! YAML read the way kubectl reads it: sigs.k8s.io/yaml's YAMLToJSON over
//! go-yaml v2. Plain scalars resolve by go-yaml v2's rules (resolve.go), which
//! are YAML 1.1's: `yes`, `on` and `y` are booleans, `0400` is octal, `08` is
//! the number 8, `2024-01-02` is a timestamp (and becomes an RFC 3339 string);
//! merge keys (`<<`) apply; keys that resolve to numbers or booleans become
//! strings. yaml-rust2 supplies the events, and `manifest.rs` reads the same
//! events for positions, so a manifest is parsed once.

use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// go-yaml's word for the alias bomb it refuses (decode.go).
const EXCESSIVE_ALIASING: &str = "yaml: document contains excessive aliasing";
/// How many values aliases may copy in one stream before it is refused.
const ALIAS_BUDGET: usize = 1_000_000;
const MERGE_WANTS_MAP: &str = "yaml: map merge requires map or sequence of maps as the value";

/// YAML that cannot become JSON, worded as kubectl prints it after
/// "error converting YAML to JSON: ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column of the problem, for markers in the editor.
    pub line: usize,
    pub column: usize,
    /// `yaml: line 4: mapping values are not allowed in this context`: the
    /// line there is go-yaml's, which for parser errors is one less than the
    /// problem's own line (go-yaml's `fail` reports libyaml's 0-based mark).
    pub message: String,
}

/// Parses every document of `text` into JSON values (an empty document is null).
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut builder = Builder::default();
    if let Err(e) = Parser::new_from_str(text).load(&mut builder, true) {
        return Err(scan_error(&e));
    }
    builder.finish()
}

/// The first document of `text`, decoded into `T` (for data files such as lessons).
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = documents(text)
        .map_err(|e| e.message)?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Builds JSON values from parser events.
#[derive(Default)]
pub struct Builder {
    documents: Vec<Value>,
    stack: Vec<Collection>,
    anchors: HashMap<usize, (Value, usize)>,
    /// Whether the current document has produced its root yet.
    rooted: bool,
    aliased: usize,
    error: Option<YamlError>,
}

enum Collection {
    Mapping {
        anchor: usize,
        map: Map<String, Value>,
        key: Option<Key>,
        size: usize,
    },
    Sequence {
        anchor: usize,
        items: Vec<Value>,
        size: usize,
    },
}

enum Key {
    Text(String),
    /// `<<`: the value's keys merge into this mapping.
    Merge,
}

impl Builder {
    /// The documents, or the first problem met while building them.
    pub fn finish(self) -> Result<Vec<Value>, YamlError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.documents),
        }
    }

    pub fn event(&mut self, event: &Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        if let Err(message) = self.apply(event) {
            self.error = Some(YamlError {
                line: mark.line(),
                column: mark.col() + 1,
                message,
            });
        }
    }

    fn apply(&mut self, event: &Event) -> Result<(), String> {
        match event {
            Event::DocumentStart => {
                self.stack.clear();
                self.rooted = false;
            }
            Event::DocumentEnd if !self.rooted => self.documents.push(Value::Null),
            Event::Scalar(text, style, anchor, tag) => {
                if self.expects_key() {
                    let key = if *style == TScalarStyle::Plain && tag.is_none() && text == "<<" {
                        Key::Merge
                    } else {
                        Key::Text(key_text(&resolve(text, *style, tag.as_ref())?)?)
                    };
                    self.set_key(key);
                    return Ok(());
                }
                let value = resolve(text, *style, tag.as_ref())?;
                if *anchor > 0 {
                    self.anchors.insert(*anchor, (value.clone(), 1));
                }
                self.place(value, 1)?;
            }
            Event::Alias(id) => {
                let (value, size) = self
                    .anchors
                    .get(id)
                    .cloned()
                    .ok_or_else(|| "yaml: unknown anchor referenced".to_string())?;
                self.aliased += size;
                if self.aliased > ALIAS_BUDGET {
                    return Err(EXCESSIVE_ALIASING.to_string());
                }
                if self.expects_key() {
                    self.set_key(Key::Text(key_text(&value)?));
                } else {
                    self.place(value, size)?;
                }
            }
            Event::MappingStart(anchor, _) => self.stack.push(Collection::Mapping {
                anchor: *anchor,
                map: Map::new(),
                key: None,
                size: 1,
            }),
            Event::SequenceStart(anchor, _) => self.stack.push(Collection::Sequence {
                anchor: *anchor,
                items: Vec::new(),
                size: 1,
            }),
            Event::MappingEnd | Event::SequenceEnd => {
                let (anchor, value, size) = match self.stack.pop() {
                    Some(Collection::Mapping {
                        anchor, map, size, ..
                    }) => (anchor, Value::Object(map), size),
                    Some(Collection::Sequence {
                        anchor,
                        items,
                        size,
                    }) => (anchor, Value::Array(items), size),
                    None => return Ok(()),
                };
                if self.expects_key() {
                    return Err(format!(
                        "Unsupported map key of type: {}",
                        go_type_name(&value)
                    ));
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, (value.clone(), size));
                }
                self.place(value, size)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Collection::Mapping { key: None, .. })
        )
    }

    fn set_key(&mut self, new_key: Key) {
        if let Some(Collection::Mapping { key, .. }) = self.stack.last_mut() {
            *key = Some(new_key);
        }
    }

    /// Puts a finished value where the parent expects it.
    fn place(&mut self, value: Value, value_size: usize) -> Result<(), String> {
        match self.stack.last_mut() {
            None => {
                self.documents.push(value);
                self.rooted = true;
            }
            Some(Collection::Sequence { items, size, .. }) => {
                items.push(value);
                *size += value_size;
            }
            Some(Collection::Mapping { map, key, size, .. }) => {
                *size += value_size;
                match key.take() {
                    Some(Key::Text(k)) => {
                        map.insert(k, value);
                    }
                    Some(Key::Merge) => merge(map, value)?,
                    None => {}
                }
            }
        }
        Ok(())
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.event(&event, mark);
    }
}

/// go-yaml v2's `merge`: a mapping's keys, or each mapping's of a sequence
/// (earlier ones win), written over the keys set so far; keys after `<<` win.
fn merge(map: &mut Map<String, Value>, value: Value) -> Result<(), String> {
    match value {
        Value::Object(from) => map.extend(from),
        Value::Array(list) => {
            for item in list.into_iter().rev() {
                match item {
                    Value::Object(from) => map.extend(from),
                    _ => return Err(MERGE_WANTS_MAP.to_string()),
                }
            }
        }
        _ => return Err(MERGE_WANTS_MAP.to_string()),
    }
    Ok(())
}

/// A mapping key as sigs.k8s.io/yaml's convertToJSONableObject writes it.
fn key_text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) => go_float32_g(f),
            None => n.to_string(),
        }),
        other => Err(format!(
            "Unsupported map key of type: {}",
            go_type_name(other)
        )),
    }
}

fn go_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "%!s(<nil>)",
        Value::Object(_) => "map[interface {}]interface {}",
        Value::Array(_) => "[]interface {}",
        _ => "interface {}",
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: shortest digits of the float32,
/// with an exponent when it is below -4 or from 21 on (as %g does for shortest).
fn go_float32_g(f: f64) -> String {
    let f = f as f32;
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if f.is_nan() {
        return ".nan".to_string();
    }
    let sci = format!("{f:e}");
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if (-4..21).contains(&exp) {
        format!("{f}")
    } else {
        let (mantissa, _) = sci.split_once('e').unwrap_or((&sci, ""));
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// A scalar's value: go-yaml v2's `resolve`, then what encoding/json makes of it.
fn resolve(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag = tag.map(short_tag);
    let implicit = style == TScalarStyle::Plain;
    match tag.as_deref() {
        // A quoted scalar without a tag, and any `!!str` or `!!binary`, is text.
        None if !implicit => Ok(Value::String(text.to_string())),
        Some("!") => Ok(Value::String(text.to_string())),
        Some("!!str") | Some("!!binary") => Ok(Value::String(text.to_string())),
        None => Ok(implicit_value(text, true)?.0),
        Some(wanted @ ("!!int" | "!!float" | "!!bool" | "!!null" | "!!timestamp")) => {
            let (value, found) = implicit_value(text, wanted == "!!timestamp")?;
            if found == wanted || (wanted == "!!float" && found == "!!int") {
                Ok(value)
            } else {
                Err(format!(
                    "yaml: cannot decode {found} `{text}` as a {wanted}"
                ))
            }
        }
        // Tags go-yaml cannot resolve keep the text.
        Some(_) => Ok(Value::String(text.to_string())),
    }
}

fn short_tag(tag: &Tag) -> String {
    match tag.handle.as_str() {
        "tag:yaml.org,2002:" | "!!" => format!("!!{}", tag.suffix),
        "" | "!" if tag.suffix == "!" || tag.suffix.is_empty() => "!".to_string(),
        handle => format!("{handle}{}", tag.suffix),
    }
}

/// A plain scalar's value and its tag, by go-yaml v2's resolve table.
fn implicit_value(text: &str, timestamps: bool) -> Result<(Value, &'static str), String> {
    let hint = match text.bytes().next() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 {
        return Ok((Value::String(text.to_string()), "!!str"));
    }
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok((Value::Bool(true), "!!bool"))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok((Value::Bool(false), "!!bool"))
        }
        "" | "~" | "null" | "Null" | "NULL" => return Ok((Value::Null, "!!null")),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => {
            // encoding/json cannot write these; sigs.k8s.io/yaml fails on them.
            let word = if text.contains("nan") || text.contains("NaN") || text.contains("NAN") {
                "NaN"
            } else if text.starts_with('-') {
                "-Inf"
            } else {
                "+Inf"
            };
            return Err(format!("json: unsupported value: {word}"));
        }
        _ => {}
    }
    match hint {
        b'.' => {
            if let Ok(f) = text.parse::<f64>() {
                return Ok((json_float(f)?, "!!float"));
            }
        }
        b'D' | b'S' => {
            if timestamps {
                if let Some(stamp) = timestamp_json(text) {
                    return Ok((Value::String(stamp), "!!timestamp"));
                }
            }
            let plain = text.replace('_', "");
            if let Some(n) = go_parse_int(&plain) {
                return Ok((n, "!!int"));
            }
            if yaml_style_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    return Ok((json_float(f)?, "!!float"));
                }
            }
        }
        _ => {}
    }
    Ok((Value::String(text.to_string()), "!!str"))
}

/// `strconv.ParseInt(s, 0, 64)`, then `ParseUint`: an optional sign, then
/// `0x`, `0o`, `0b` or a leading `0` (octal) prefix, or decimal digits.
fn go_parse_int(s: &str) -> Option<Value> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Value::from((magnitude as i128).wrapping_neg() as i64));
        }
        return None;
    }
    if magnitude <= i64::MAX as u64 {
        Some(Value::from(magnitude as i64))
    } else if s.starts_with('+') {
        // ParseUint takes no sign.
        None
    } else {
        Some(Value::from(magnitude))
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A float as encoding/json writes it and the API server reads it back: a
/// whole number below 1e21 has no fraction, so it is an integer again.
fn json_float(f: f64) -> Result<Value, String> {
    if f.is_nan() {
        return Err("json: unsupported value: NaN".to_string());
    }
    if f.is_infinite() {
        let word = if f > 0.0 { "+Inf" } else { "-Inf" };
        return Err(format!("json: unsupported value: {word}"));
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Ok(Value::from(f as i64));
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Ok(Value::from(f as u64));
        }
    }
    Ok(serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null))
}

/// go-yaml v2's `parseTimestamp` and time.Time's MarshalJSON: the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (or with `t`, or a space and no zone,
/// meaning UTC) and `2006-1-2`, written back as RFC 3339.
fn timestamp_json(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut cursor = Cursor { s: b, at: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = cursor.number(1, 2)?;
    cursor.expect(b'-')?;
    let day = cursor.number(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if cursor.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let separator = cursor.next()?;
    if !matches!(separator, b'T' | b't' | b' ') {
        return None;
    }
    let hour = cursor.number(1, 2)?;
    cursor.expect(b':')?;
    let minute = cursor.number(1, 2)?;
    cursor.expect(b':')?;
    let second = cursor.number(1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut fraction = String::new();
    if cursor.peek() == Some(b'.') {
        cursor.at += 1;
        while let Some(c) = cursor.peek().filter(u8::is_ascii_digit) {
            fraction.push(c as char);
            cursor.at += 1;
        }
        if fraction.is_empty() || fraction.len() > 9 {
            return None;
        }
    }
    let zone = if separator == b' ' {
        "Z".to_string()
    } else {
        match cursor.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let h = cursor.number(2, 2)?;
                cursor.expect(b':')?;
                let m = cursor.number(2, 2)?;
                if h == 0 && m == 0 && sign == b'+' {
                    "Z".to_string()
                } else {
                    format!("{}{h:02}:{m:02}", sign as char)
                }
            }
            _ => return None,
        }
    };
    if !cursor.done() {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    Some(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}"
    ))
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn done(&self) -> bool {
        self.at == self.s.len()
    }
    /// `min` to `max` digits.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.at;
        while self.at - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at - start < min {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.at])
            .ok()?
            .parse()
            .ok()
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// yaml-rust2's errors come from its scanner or its parser, as libyaml's do;
/// they are worded here as libyaml (and so go-yaml) words them.
const PARSER_PROBLEMS: &[&str] = &[
    "did not find expected <stream-start>",
    "did not find expected <document-start>",
    "did not find expected <document start>",
    "found incompatible YAML document",
    "duplicate version directive",
    "missing explicit document end marker before directive",
    "found duplicated anchor",
    "found unknown anchor",
    "did not find expected node content",
    "did not find expected key",
    "did not find expected ',' or '}'",
    "expected ',' or ']'",
    "did not find expected '-' indicator",
    "the handle wasn't declared",
    "unexpected eof",
];

pub fn scan_error(err: &ScanError) -> YamlError {
    let info = err.info();
    // libyaml keeps "while parsing a block mapping" as the context; go-yaml prints only the problem.
    let problem = match info.strip_prefix("while ") {
        Some(rest) => rest.split_once(", ").map_or(info, |(_, p)| p),
        None => info,
    };
    let parser = PARSER_PROBLEMS.contains(&problem);
    let problem = match problem {
        "simple key expect ':'" | "simple key expected" => "could not find expected ':'",
        "expected ',' or ']'" => "did not find expected ',' or ']'",
        "found unknown anchor" => "found undefined alias",
        p if p.starts_with("unexpected character")
            || p.starts_with("tab")
            || p.contains("tabs disallowed") =>
        {
            "found character that cannot start any token"
        }
        p => p,
    };
    let mark = err.marker();
    let line = mark.line();
    // go-yaml's `fail`: libyaml's 0-based problem line, plus one for scanner errors only.
    let reported = if parser { line.saturating_sub(1) } else { line };
    let message = if reported == 0 {
        format!("yaml: {problem}")
    } else {
        format!("yaml: line {reported}: {problem}")
    };
    YamlError {
        line,
        column: mark.col() + 1,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Value {
        documents(text).unwrap().remove(0)
    }

    #[test]
    fn plain_scalars_resolve_as_go_yaml_v2_does() {
        let doc = one(
            "a1: yes\na2: off\na3: y\nb1: 0400\nb2: 08\nb3: 0x1F\nb4: 1_000\nc1: 1.5\nc2: 2.0\n\
             c3: 1e3\nd1: ~\nd2:\ne1: \"yes\"\ne2: '0400'\nf1: 0b101\nf2: -0b11\nf3: .5\n\
             g1: 1.2.3\ng2: +12\ng3: 0o17\n",
        );
        assert_eq!(
            doc,
            json!({"a1": true, "a2": false, "a3": true, "b1": 256, "b2": 8, "b3": 31, "b4": 1000,
                   "c1": 1.5, "c2": 2, "c3": 1000, "d1": null, "d2": null, "e1": "yes",
                   "e2": "0400", "f1": 5, "f2": -3, "f3": 0.5, "g1": "1.2.3", "g2": 12, "g3": 15})
        );
    }

    #[test]
    fn timestamps_become_rfc3339_strings() {
        let doc = one("a: 2024-01-02\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-12-14 21:59:43.10\nd: 2024-13-01\ne: \"2024-01-02\"\n");
        assert_eq!(
            doc,
            json!({"a": "2024-01-02T00:00:00Z", "b": "2001-12-14T21:59:43.1-05:00",
                   "c": "2001-12-14T21:59:43.1Z", "d": "2024-13-01", "e": "2024-01-02"})
        );
    }

    #[test]
    fn keys_become_strings() {
        // `on:` and `n:` are booleans to go-yaml v2, so their keys read "true" and "false".
        assert_eq!(
            one("1: a\non: b\n1.5: c\nn: d\nname: e\n"),
            json!({"1": "a", "true": "b", "1.5": "c", "false": "d", "name": "e"})
        );
        let err = documents("~: a\n").unwrap_err();
        assert!(err.message.starts_with("Unsupported map key"), "{err:?}");
    }

    #[test]
    fn tags_force_or_refuse_a_type() {
        assert_eq!(
            one("a: !!str 123\nb: !!int \"7\"\nc: !!float 3\nd: !custom x\n"),
            json!({"a": "123", "b": 7, "c": 3, "d": "x"})
        );
        let err = documents("a: !!int abc\n").unwrap_err();
        assert_eq!(err.message, "yaml: cannot decode !!str `abc` as a !!int");
    }

    #[test]
    fn anchors_aliases_and_merges() {
        let doc = one(
            "base: &b {p: 1, q: 2}\nlist: &l [1, 2]\nuse: *b\nagain: *l\n\
             merged:\n  q: 0\n  <<: *b\n  r: 3\nmany:\n  <<: [{p: 1}, {p: 2, w: 4}]\n",
        );
        assert_eq!(doc["use"], json!({"p": 1, "q": 2}));
        assert_eq!(doc["again"], json!([1, 2]));
        // go-yaml v2 writes merged keys over the ones before `<<`; later keys win.
        assert_eq!(doc["merged"], json!({"p": 1, "q": 2, "r": 3}));
        assert_eq!(doc["many"], json!({"p": 1, "w": 4}));
        let err = documents("a: &a 1\nb:\n  <<: *a\n").unwrap_err();
        assert_eq!(err.message, MERGE_WANTS_MAP);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = documents(&text).unwrap_err();
        assert_eq!(err.message, EXCESSIVE_ALIASING);
    }

    #[test]
    fn special_floats_cannot_become_json() {
        let err = documents("a: .inf\n").unwrap_err();
        assert_eq!(err.message, "json: unsupported value: +Inf");
        assert_eq!((err.line, err.column), (1, 4));
    }

    #[test]
    fn documents_and_empty_documents() {
        let docs = documents("---\n---\na: 1\n---\n- x\n").unwrap();
        assert_eq!(docs, vec![Value::Null, json!({"a": 1}), json!(["x"])]);
        assert_eq!(documents("").unwrap(), Vec::<Value>::new());
        assert_eq!(documents("plain\n").unwrap(), vec![json!("plain")]);
    }

    #[test]
    fn syntax_errors_are_worded_as_go_yaml_words_them() {
        // A scanner error names its own line.
        let err = documents("kind: Pod\nmetadata:\n  name: x\n  labels: app: web\n").unwrap_err();
        assert_eq!(
            err.message,
            "yaml: line 4: mapping values are not allowed in this context"
        );
        assert_eq!(err.line, 4);
        // A parser error names the line before the problem (go-yaml's 0-based mark).
        let err = documents("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(err.message, "yaml: line 2: did not find expected key");
        assert_eq!(err.line, 3);
        let err = documents("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("yaml: line "), "{err:?}");
    }

    #[test]
    fn go_float_keys() {
        assert_eq!(go_float32_g(1.5), "1.5");
        assert_eq!(go_float32_g(1e-7), "1e-07");
        assert_eq!(go_float32_g(1e22), "1e+22");
    }

    #[test]
    fn into_a_type() {
        #[derive(serde::Deserialize)]
        struct T {
            a: Vec<u32>,
        }
        let t: T = from_str("a: [1, 2]\n").unwrap();
        assert_eq!(t.a, vec![1, 2]);
        assert!(from_str::<T>("a: [x]\n").is_err());
    }
}
