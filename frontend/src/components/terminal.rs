//! A one-line terminal for kubectl and simulator commands.

use std::rc::Rc;

use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::state::TerminalEntry;

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub entries: Rc<Vec<TerminalEntry>>,
    pub on_run: Callback<String>,
}

const EXAMPLES: [&str; 4] = [
    "kubectl get pods -o wide",
    "kubectl get nodes",
    "kubectl get deployments",
    "sim advance 10s",
];

#[function_component(Terminal)]
pub fn terminal(props: &TerminalProps) -> Html {
    let input_ref = use_node_ref();
    let output_ref = use_node_ref();
    // Index into the command history while browsing it with the arrow keys.
    let history_pos = use_mut_ref(|| None::<usize>);

    // Keep the newest output in sight.
    {
        let output_ref = output_ref.clone();
        use_effect_with(props.entries.len(), move |_| {
            if let Some(out) = output_ref.cast::<HtmlElement>() {
                out.set_scroll_top(out.scroll_height());
            }
        });
    }

    let on_keydown = {
        let on_run = props.on_run.clone();
        let entries = props.entries.clone();
        let history_pos = history_pos.clone();
        Callback::from(move |e: KeyboardEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    let line = input.value();
                    input.set_value("");
                    *history_pos.borrow_mut() = None;
                    on_run.emit(line);
                }
                "ArrowUp" | "ArrowDown" if !entries.is_empty() => {
                    e.prevent_default();
                    let mut pos = history_pos.borrow_mut();
                    let last = entries.len() - 1;
                    *pos = match (e.key().as_str(), *pos) {
                        ("ArrowUp", None) => Some(last),
                        ("ArrowUp", Some(p)) => Some(p.saturating_sub(1)),
                        ("ArrowDown", Some(p)) if p < last => Some(p + 1),
                        _ => None,
                    };
                    input.set_value(pos.map(|p| entries[p].command.as_str()).unwrap_or(""));
                }
                _ => {}
            }
        })
    };

    let example_buttons = EXAMPLES.iter().map(|cmd| {
        let on_run = props.on_run.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_run.emit(cmd.to_string()));
        html! { <button class="chip" {onclick}>{ *cmd }</button> }
    });

    html! {
        <section id="terminal" class="panel terminal-panel" aria-label="Terminal">
            <header class="panel-head">
                <h2>{ "Terminal" }</h2>
                <span class="examples">{ "try " }{ for example_buttons }</span>
            </header>
            <div class="term">
                <div class="term-output" ref={output_ref}>
                    if props.entries.is_empty() {
                        <div class="term-hint">{ "kubectl and sim commands run against the simulated cluster. `kubectl apply -f manifest.yaml` reads the editor; `clear` clears." }</div>
                    }
                    { for props.entries.iter().map(|entry| html! {
                        <div key={entry.id} class={classes!("term-entry", (!entry.output.success).then_some("failed"))}>
                            <div class="term-command"><span class="prompt">{ "$ " }</span>{ &entry.command }</div>
                            if !entry.output.stdout.is_empty() {
                                <pre class="term-stdout">{ &entry.output.stdout }</pre>
                            }
                            if !entry.output.stderr.is_empty() {
                                <pre class="term-stderr">{ &entry.output.stderr }</pre>
                            }
                        </div>
                    }) }
                </div>
                <div class="term-line">
                    <span class="prompt">{ "$" }</span>
                    <input id="command" ref={input_ref} type="text" spellcheck="false"
                           autocomplete="off" autocapitalize="off"
                           placeholder="kubectl get pods -o wide"
                           aria-label="Command"
                           onkeydown={on_keydown} />
                </div>
            </div>
        </section>
    }
}
