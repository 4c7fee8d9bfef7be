//! Lesson text as HTML: paragraphs (a blank line apart), `- ` lists, and
//! `code` spans. A code span that is a command (`kubectl ...`, `sim ...`)
//! is a button that types it into the terminal.

use yew::prelude::*;

use crate::components::use_ctx;
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct RichTextProps {
    pub text: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

/// Whether a code span is something the terminal runs.
pub fn is_command(code: &str) -> bool {
    let first = code.split_whitespace().next().unwrap_or("");
    matches!(first, "kubectl" | "sim") && code.split_whitespace().count() >= 2
}

/// Splits a line into plain text and `code` spans (an unmatched backtick stays text).
pub fn spans(line: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else {
            break;
        };
        if start > 0 {
            out.push((false, rest[..start].to_string()));
        }
        out.push((true, after[..end].to_string()));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push((false, rest.to_string()));
    }
    out
}

/// Paragraphs and lists: (is_list, lines joined).
pub fn blocks(text: &str) -> Vec<(bool, Vec<String>)> {
    let mut out: Vec<(bool, Vec<String>)> = Vec::new();
    for para in text.split("\n\n") {
        let mut items: Vec<String> = Vec::new();
        let mut plain = String::new();
        for line in para.lines() {
            let trimmed = line.trim();
            if let Some(item) = trimmed
                .strip_prefix("- ")
                .or_else(|| trimmed.strip_prefix("* "))
            {
                if !plain.is_empty() {
                    out.push((false, vec![std::mem::take(&mut plain)]));
                }
                items.push(item.to_string());
            } else if !items.is_empty() && !trimmed.is_empty() && line.starts_with("  ") {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(trimmed);
                }
            } else if !trimmed.is_empty() {
                if !items.is_empty() {
                    out.push((true, std::mem::take(&mut items)));
                }
                if !plain.is_empty() {
                    plain.push(' ');
                }
                plain.push_str(trimmed);
            }
        }
        if !items.is_empty() {
            out.push((true, items));
        }
        if !plain.is_empty() {
            out.push((false, vec![plain]));
        }
    }
    out
}

#[function_component(RichText)]
pub fn rich_text(props: &RichTextProps) -> Html {
    let ctx = use_ctx();
    let inline = |line: &str| -> Html {
        spans(line)
            .into_iter()
            .map(|(code, text)| {
                if code && is_command(&text) {
                    let onclick = ctx.as_ref().map(|c| {
                        let line = text.clone();
                        c.on_click(move || Action::Type(line.clone()))
                    });
                    let title = ctx
                        .as_ref()
                        .map(|c| c.t("터미널에 입력하기", "Type it into the terminal"))
                        .unwrap_or_default();
                    html! { <button class="code-cmd" {onclick} title={title}><code>{ text }</code></button> }
                } else if code {
                    html! { <code>{ text }</code> }
                } else {
                    html! { { text } }
                }
            })
            .collect()
    };
    html! {
        <div class={classes!("rich", props.class.clone())}>
            { for blocks(&props.text).into_iter().map(|(list, lines)| if list {
                html! { <ul>{ for lines.iter().map(|l| html! { <li>{ inline(l) }</li> }) }</ul> }
            } else {
                html! { <p>{ for lines.iter().map(|l| inline(l)) }</p> }
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_commands() {
        assert_eq!(
            spans("run `kubectl get pods`, then `web.yaml`"),
            vec![
                (false, "run ".into()),
                (true, "kubectl get pods".into()),
                (false, ", then ".into()),
                (true, "web.yaml".into())
            ]
        );
        assert_eq!(spans("a ` b"), vec![(false, "a ` b".into())]);
        assert!(is_command("kubectl get pods"));
        assert!(is_command("sim step"));
        assert!(!is_command("kubectl"));
        assert!(!is_command("web.yaml"));
    }

    #[test]
    fn paragraphs_and_lists() {
        let text = "one line\nwrapped here\n\n- item one\n  continued\n- item two\nafter\n";
        assert_eq!(
            blocks(text),
            vec![
                (false, vec!["one line wrapped here".to_string()]),
                (
                    true,
                    vec!["item one continued".to_string(), "item two".to_string()]
                ),
                (false, vec!["after".to_string()]),
            ]
        );
    }
}
