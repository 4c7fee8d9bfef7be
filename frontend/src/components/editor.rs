//! The manifest editor: a tab per file, YAML highlighting under a textarea,
//! a line-number gutter with the lines a failed apply names, a template of
//! each kind, Apply and Delete.

use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::{HtmlElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::components::{collapse_button, use_ctx};
use crate::highlight;
use crate::state::Action;
use crate::templates::TEMPLATES;

#[derive(Properties, PartialEq)]
pub struct ManifestEditorProps {
    pub files: Rc<BTreeMap<String, String>>,
    pub current: AttrValue,
    /// 1-based lines to mark (the lines a failed apply names), with their messages.
    pub error_lines: Vec<(usize, String)>,
    pub collapsed: bool,
}

/// A red band behind each marked line, scrolling with the text (see `#editor.has-error`).
fn error_bands(lines: &[(usize, String)]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let band = "linear-gradient(var(--error-band), var(--error-band))";
    let images = vec![band; lines.len()].join(",");
    let positions = lines
        .iter()
        .map(|(line, _)| {
            format!(
                "0 calc(var(--editor-pad) + {} * var(--editor-line))",
                line.saturating_sub(1)
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    Some(format!(
        "background-image:{images};background-position:{positions}"
    ))
}

fn highlighted(text: &str) -> Html {
    text.split('\n')
        .map(|l| {
            let pieces = highlight::line(l).into_iter().map(|(class, t)| {
                if class.is_empty() {
                    html! { { t } }
                } else {
                    html! { <span class={class}>{ t }</span> }
                }
            });
            html! { <>{ for pieces }{ "\n" }</> }
        })
        .collect()
}

fn sync_scroll(
    textarea: &HtmlTextAreaElement,
    gutter: Option<HtmlElement>,
    code: Option<HtmlElement>,
) {
    if let Some(gutter) = gutter {
        gutter.set_scroll_top(textarea.scroll_top());
    }
    if let Some(code) = code {
        code.set_scroll_top(textarea.scroll_top());
        code.set_scroll_left(textarea.scroll_left());
    }
}

#[function_component(ManifestEditor)]
pub fn manifest_editor(props: &ManifestEditorProps) -> Html {
    let gutter_ref = use_node_ref();
    let textarea_ref = use_node_ref();
    let code_ref = use_node_ref();

    // After every render (new text, new error mark), re-level the gutter and the colours.
    {
        let gutter_ref = gutter_ref.clone();
        let textarea_ref = textarea_ref.clone();
        let code_ref = code_ref.clone();
        use_effect(move || {
            if let Some(textarea) = textarea_ref.cast::<HtmlTextAreaElement>() {
                sync_scroll(&textarea, gutter_ref.cast(), code_ref.cast());
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let text = props
        .files
        .get(props.current.as_str())
        .cloned()
        .unwrap_or_default();

    let on_input = ctx.cb(|e: InputEvent| {
        let textarea: HtmlTextAreaElement = e.target_unchecked_into();
        Action::Edit(textarea.value())
    });

    let on_scroll = {
        let gutter_ref = gutter_ref.clone();
        let code_ref = code_ref.clone();
        Callback::from(move |e: Event| {
            let textarea: HtmlTextAreaElement = e.target_unchecked_into();
            sync_scroll(&textarea, gutter_ref.cast(), code_ref.cast());
        })
    };

    // Ctrl/Cmd+Enter applies; Tab inserts two spaces (YAML forbids tabs); Escape leaves the editor.
    let on_keydown = {
        let dispatch = ctx.dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                dispatch.dispatch(Action::Apply);
            } else if e.key() == "Escape" {
                let textarea: HtmlTextAreaElement = e.target_unchecked_into();
                let _ = textarea.blur();
            } else if e.key() == "Tab" && !e.shift_key() && !e.ctrl_key() && !e.alt_key() {
                let textarea: HtmlTextAreaElement = e.target_unchecked_into();
                let (Ok(Some(start)), Ok(Some(end))) =
                    (textarea.selection_start(), textarea.selection_end())
                else {
                    return;
                };
                e.prevent_default();
                if textarea
                    .set_range_text_with_start_and_end_and_mode("  ", start, end, "end")
                    .is_ok()
                {
                    dispatch.dispatch(Action::Edit(textarea.value()));
                }
            }
        })
    };

    let on_template = ctx.cb(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let index = select.value().parse::<usize>().ok();
        select.set_value("");
        match index {
            Some(i) => Action::InsertTemplate(i),
            None => Action::DismissNotice,
        }
    });

    // A text ending in a newline still has an (empty) last line the caret can sit on.
    let line_count = text.split('\n').count().max(1);
    let gutter: Html = (1..=line_count)
        .map(|n| {
            let title = props
                .error_lines
                .iter()
                .find(|(line, _)| *line == n)
                .map(|(_, message)| message.clone());
            let is_error = title.is_some();
            html! {
                <div key={n} class={classes!("gutter-line", is_error.then_some("error"))}
                     data-line={n.to_string()} title={title}>{ n }</div>
            }
        })
        .collect();

    let tabs = props.files.keys().map(|name| {
        let active = name.as_str() == props.current.as_str();
        let file = name.clone();
        html! {
            <button role="tab" class={classes!("file-tab", active.then_some("active"))} aria-selected={active.to_string()}
                    data-file={name.clone()}
                    onclick={ctx.on_click(move || Action::SelectFile(file.clone()))}>{ name }</button>
        }
    });

    html! {
        <>
            <header class="panel-head">
                { collapse_button(&ctx, "editor", props.collapsed, ctx.t("편집기", "editor")) }
                <h2>{ ctx.t("매니페스트", "Manifest") }</h2>
                if !props.collapsed {
                    <div class="head-actions">
                        <button id="delete" class="btn" onclick={ctx.on_click(|| Action::DeleteFile)}
                                title={format!("kubectl delete -f {}", props.current)}>
                            { ctx.t("삭제", "Delete") }
                        </button>
                        <button id="apply" class="btn primary" onclick={ctx.on_click(|| Action::Apply)}
                                title={format!("kubectl apply -f {} (Ctrl+Enter)", props.current)}>
                            { ctx.t("적용", "Apply") }
                        </button>
                    </div>
                }
            </header>
            if !props.collapsed {
                <div class="file-bar">
                    <div class="file-tabs" role="tablist" aria-label={ctx.t("파일", "Files")}>{ for tabs }</div>
                    <select id="template" class="template-select" onchange={on_template}
                            aria-label={ctx.t("종류별 템플릿으로 바꾸기", "Replace with a template of a kind")}>
                        <option value="" selected=true>{ ctx.t("템플릿…", "Template…") }</option>
                        { for TEMPLATES.iter().enumerate().map(|(i, t)| html! {
                            <option value={i.to_string()}>{ t.kind }</option>
                        }) }
                    </select>
                </div>
                <div class="editor">
                    <div class="gutter" ref={gutter_ref} aria-hidden="true">{ gutter }</div>
                    <div class="code">
                        <pre class="code-colors" ref={code_ref} aria-hidden="true"><code>{ highlighted(&text) }</code></pre>
                        <textarea
                            id="editor"
                            class={classes!((!props.error_lines.is_empty()).then_some("has-error"))}
                            style={error_bands(&props.error_lines)}
                            ref={textarea_ref}
                            aria-label={ctx.lang.pick(format!("{} 편집", props.current), format!("Edit {}", props.current))}
                            spellcheck="false"
                            autocomplete="off"
                            autocapitalize="off"
                            wrap="off"
                            value={text}
                            oninput={on_input}
                            onscroll={on_scroll}
                            onkeydown={on_keydown}
                        />
                    </div>
                </div>
            }
        </>
    }
}
