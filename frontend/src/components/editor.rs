//! The manifest editor: a textarea with a line-number gutter that scrolls with it.

use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ManifestEditorProps {
    pub text: AttrValue,
    /// 1-based lines to mark (the lines a failed apply names), with their messages.
    pub error_lines: Vec<(usize, String)>,
    pub on_edit: Callback<String>,
    pub on_apply: Callback<()>,
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

#[function_component(ManifestEditor)]
pub fn manifest_editor(props: &ManifestEditorProps) -> Html {
    let gutter_ref = use_node_ref();
    let textarea_ref = use_node_ref();

    // After every render (new text, new error mark), re-level the gutter.
    {
        let gutter_ref = gutter_ref.clone();
        let textarea_ref = textarea_ref.clone();
        use_effect(move || {
            if let (Some(gutter), Some(textarea)) = (
                gutter_ref.cast::<HtmlElement>(),
                textarea_ref.cast::<HtmlTextAreaElement>(),
            ) {
                gutter.set_scroll_top(textarea.scroll_top());
            }
        });
    }

    let on_input = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: InputEvent| {
            let textarea: HtmlTextAreaElement = e.target_unchecked_into();
            on_edit.emit(textarea.value());
        })
    };

    // Keep the gutter level with the text, however the textarea scrolls.
    let on_scroll = {
        let gutter_ref = gutter_ref.clone();
        Callback::from(move |e: Event| {
            let textarea: HtmlTextAreaElement = e.target_unchecked_into();
            if let Some(gutter) = gutter_ref.cast::<HtmlElement>() {
                gutter.set_scroll_top(textarea.scroll_top());
            }
        })
    };

    // Ctrl/Cmd+Enter applies; Tab inserts two spaces (YAML forbids tabs).
    let on_keydown = {
        let on_apply = props.on_apply.clone();
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                on_apply.emit(());
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
                    on_edit.emit(textarea.value());
                }
            }
        })
    };

    let on_apply_click = {
        let on_apply = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| on_apply.emit(()))
    };

    // A text ending in a newline still has an (empty) last line the caret can sit on.
    let line_count = props.text.split('\n').count().max(1);
    let gutter: Html = (1..=line_count)
        .map(|n| {
            let title = props
                .error_lines
                .iter()
                .find(|(line, _)| *line == n)
                .map(|(_, message)| message.clone());
            let is_error = title.is_some();
            html! {
                <div
                    key={n}
                    class={classes!("gutter-line", is_error.then_some("error"))}
                    data-line={n.to_string()}
                    title={title}
                >{ n }</div>
            }
        })
        .collect();

    html! {
        <section class="panel editor-panel" aria-label="Manifest editor">
            <header class="panel-head">
                <h2>{ "Manifest" }<span class="file-name">{ "manifest.yaml" }</span></h2>
                <button id="apply" class="btn primary" onclick={on_apply_click}
                        title="kubectl apply -f manifest.yaml (Ctrl+Enter)">
                    { "Apply" }
                </button>
            </header>
            <div class="editor">
                <div class="gutter" ref={gutter_ref} aria-hidden="true">{ gutter }</div>
                <textarea
                    id="editor"
                    class={classes!((!props.error_lines.is_empty()).then_some("has-error"))}
                    style={error_bands(&props.error_lines)}
                    ref={textarea_ref}
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    wrap="off"
                    value={props.text.clone()}
                    oninput={on_input}
                    onscroll={on_scroll}
                    onkeydown={on_keydown}
                />
            </div>
        </section>
    }
}
