//! The terminal's pipes: `kubectl get pods | grep web | wc -l`. A learner's
//! shell would hand kubectl's output to these programs; the terminal runs the
//! few that reading kubectl's output needs (`grep`, `head`, `tail`, `wc -l`,
//! `sort`, `cat`) on the text, with their usual exit statuses.

use crate::runtime::shell::grep_match;

/// What the terminal pipes into.
pub const KNOWN_FILTERS: &str = "grep, head, tail, wc, sort, cat";

/// Splits a line at the `|`s outside quotes. `||` and an empty stage are
/// refused as bash refuses them.
pub fn split_pipeline(line: &str) -> Result<Vec<String>, String> {
    if line.trim_start().starts_with('#') {
        return Ok(vec![line.to_string()]);
    }
    let mut stages = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut and_list = false;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            // The character after a backslash is never a quote or a bar.
            escaped = false;
            current.push(c);
            continue;
        }
        match (quote, c) {
            (None | Some('"'), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '|') => {
                stages.push(std::mem::take(&mut current));
                continue;
            }
            (None, '&') if current.ends_with('&') => and_list = true,
            _ => {}
        }
        current.push(c);
    }
    stages.push(current);
    // Two bars together (`a || b`) are bash's "or", `&&` its "and": the
    // terminal runs neither.
    if and_list || (stages.len() > 2 && stages[1..stages.len() - 1].iter().any(String::is_empty)) {
        return Err(
            "the terminal runs one command at a time, piped with | only (no || or &&)".to_string(),
        );
    }
    if stages.len() > 1 && stages.iter().any(|s| s.trim().is_empty()) {
        return Err("bash: syntax error near unexpected token `|'".to_string());
    }
    Ok(stages)
}

/// Runs one filter (its words) over `input`: its output and exit status.
pub fn run(words: &[String], input: &str) -> (String, String, i32) {
    let Some(program) = words.first() else {
        return (String::new(), String::new(), 0);
    };
    let args = &words[1..];
    let lines: Vec<&str> = input.lines().collect();
    let joined = |ls: Vec<&str>| -> String { ls.iter().map(|l| format!("{l}\n")).collect() };
    match program.as_str() {
        "cat" => (input.to_string(), String::new(), 0),
        "grep" => grep(args, &lines),
        "head" | "tail" => match count_arg(args) {
            Ok(n) => {
                let picked = if program == "head" {
                    lines.iter().take(n).copied().collect()
                } else {
                    lines[lines.len().saturating_sub(n)..].to_vec()
                };
                (joined(picked), String::new(), 0)
            }
            Err(e) => (String::new(), format!("{program}: {e}\n"), 1),
        },
        "wc" => match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["-l"] => (format!("{}\n", lines.len()), String::new(), 0),
            _ => (
                String::new(),
                "wc: the terminal counts lines only: wc -l\n".to_string(),
                1,
            ),
        },
        "sort" => {
            let mut sorted = lines.clone();
            crate::sorting::sort(&mut sorted);
            if args.iter().any(|a| a == "-r") {
                sorted.reverse();
            }
            (joined(sorted), String::new(), 0)
        }
        other => (
            String::new(),
            format!("{other}: command not found (the terminal pipes into {KNOWN_FILTERS})\n"),
            127,
        ),
    }
}

/// `-n N`, `-nN` or `-N`; 10 by default.
fn count_arg(args: &[String]) -> Result<usize, String> {
    let mut n = 10;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let value = if a == "-n" {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or("option requires an argument -- 'n'")?
        } else if let Some(v) = a.strip_prefix("-n") {
            v.to_string()
        } else if let Some(v) = a.strip_prefix('-') {
            v.to_string()
        } else {
            return Err(format!(
                "cannot open '{a}' for reading: the terminal reads the pipe only"
            ));
        };
        n = value
            .parse()
            .map_err(|_| format!("invalid number of lines: '{value}'"))?;
        i += 1;
    }
    Ok(n)
}

/// grep [-v] [-i] [-c] [-E] PATTERN, over the basic patterns the container
/// shell's grep knows (`^`, `$`, `.`).
fn grep(args: &[String], lines: &[&str]) -> (String, String, i32) {
    let (mut invert, mut ignore_case, mut count) = (false, false, false);
    let mut pattern = None;
    for a in args {
        match a.as_str() {
            "-v" => invert = true,
            "-i" => ignore_case = true,
            "-c" => count = true,
            "-E" | "-e" => {}
            flag if flag.starts_with('-') && flag.len() > 1 && pattern.is_none() => {
                for f in flag[1..].chars() {
                    match f {
                        'v' => invert = true,
                        'i' => ignore_case = true,
                        'c' => count = true,
                        'E' => {}
                        other => {
                            return (
                                String::new(),
                                format!("grep: unrecognized option: {other}\n"),
                                2,
                            )
                        }
                    }
                }
            }
            p if pattern.is_none() => pattern = Some(p.to_string()),
            file => {
                return (
                    String::new(),
                    format!("grep: {file}: the terminal reads the pipe only\n"),
                    2,
                )
            }
        }
    }
    let Some(pattern) = pattern else {
        return (
            String::new(),
            "Usage: grep [OPTION]... PATTERNS\n".to_string(),
            2,
        );
    };
    let pattern = if ignore_case {
        pattern.to_lowercase()
    } else {
        pattern
    };
    let matched: Vec<&str> = lines
        .iter()
        .filter(|l| {
            let line = if ignore_case {
                l.to_lowercase()
            } else {
                l.to_string()
            };
            grep_match(&pattern, &line) != invert
        })
        .copied()
        .collect();
    let status = if matched.is_empty() { 1 } else { 0 };
    if count {
        return (format!("{}\n", matched.len()), String::new(), status);
    }
    (
        matched.iter().map(|l| format!("{l}\n")).collect(),
        String::new(),
        status,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn splits_outside_quotes_only() {
        assert_eq!(
            split_pipeline("kubectl exec p -- sh -c 'a | b' | grep x").unwrap(),
            vec!["kubectl exec p -- sh -c 'a | b' ", " grep x"]
        );
        assert_eq!(split_pipeline("kubectl get pods").unwrap().len(), 1);
        assert!(split_pipeline("kubectl get pods || true").is_err());
        assert!(split_pipeline("kubectl get pods && kubectl get nodes").is_err());
        assert!(split_pipeline("kubectl exec p -- sh -c 'a && b'").is_ok());
        assert!(split_pipeline("kubectl get pods |").is_err());
    }

    #[test]
    fn filters_work_like_their_programs() {
        let input = "NAME   READY\nweb-1  1/1\nweb-2  0/1\ndb-1   1/1\n";
        assert_eq!(
            run(&words("grep web"), input),
            ("web-1  1/1\nweb-2  0/1\n".into(), String::new(), 0)
        );
        assert_eq!(
            run(&words("grep -v web"), input).0,
            "NAME   READY\ndb-1   1/1\n"
        );
        assert_eq!(run(&words("grep -ci WEB"), input).0, "2\n");
        assert_eq!(run(&words("grep nothing"), input).2, 1);
        assert_eq!(
            run(&words("head -n 2"), input).0,
            "NAME   READY\nweb-1  1/1\n"
        );
        assert_eq!(run(&words("tail -1"), input).0, "db-1   1/1\n");
        assert_eq!(run(&words("wc -l"), input).0, "4\n");
        assert_eq!(
            run(&words("sort"), input).0.lines().next(),
            Some("NAME   READY")
        );
        assert_eq!(run(&words("awk {print}"), input).2, 127);
        assert_eq!(run(&words("head -n x"), input).2, 1);
    }
}
