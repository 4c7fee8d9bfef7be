//! The terminal: kubectl and simulator commands, with history (↑/↓) and
//! Tab completion. Commands run by buttons show here too, marked as such.

use std::collections::BTreeMap;
use std::rc::Rc;

use kubeplay_engine::ClusterView;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::completion::{self, Names};
use crate::components::{collapse_button, use_ctx};
use crate::state::{Action, TerminalEntry};

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub entries: Rc<Vec<TerminalEntry>>,
    pub view: Rc<ClusterView>,
    pub files: Rc<BTreeMap<String, String>>,
    /// A command a button typed into the input: (request number, text).
    pub typed: Option<(u64, String)>,
    pub collapsed: bool,
}

const EXAMPLES: [&str; 4] = [
    "kubectl get pods -o wide",
    "kubectl get nodes",
    "kubectl get events",
    "sim trail",
];

fn names(view: &ClusterView, files: &BTreeMap<String, String>) -> Names {
    let mut names = Names {
        pods: view
            .nodes
            .iter()
            .flat_map(|n| &n.pods)
            .chain(&view.unscheduled)
            .map(|p| p.name.clone())
            .collect(),
        nodes: view.nodes.iter().map(|n| n.name.clone()).collect(),
        deployments: view.deployments.iter().map(|d| d.name.clone()).collect(),
        replicasets: view
            .deployments
            .iter()
            .flat_map(|d| &d.replica_sets)
            .map(|r| r.name.clone())
            .collect(),
        services: view.services.iter().map(|s| s.name.clone()).collect(),
        namespaces: vec![
            "default".into(),
            "kube-node-lease".into(),
            "kube-public".into(),
            "kube-system".into(),
        ],
        files: files.keys().cloned().collect(),
    };
    kubeplay_engine::sorting::sort(&mut names.pods);
    names.pods.dedup();
    names
}

#[function_component(Terminal)]
pub fn terminal(props: &TerminalProps) -> Html {
    let input_ref = use_node_ref();
    let output_ref = use_node_ref();
    // Index into the command history while browsing it with the arrow keys.
    let history_pos = use_mut_ref(|| None::<usize>);
    let choices = use_state(Vec::<String>::new);

    // Keep the newest output in sight.
    {
        let output_ref = output_ref.clone();
        use_effect_with(props.entries.len(), move |_| {
            if let Some(out) = output_ref.cast::<HtmlElement>() {
                out.set_scroll_top(out.scroll_height());
            }
        });
    }
    // A button typed a command: put it on the input line, ready to run.
    {
        let input_ref = input_ref.clone();
        use_effect_with(props.typed.clone(), move |typed| {
            if let (Some((_, line)), Some(input)) = (typed, input_ref.cast::<HtmlInputElement>()) {
                input.set_value(line);
                let _ = input.focus();
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };

    let on_keydown = {
        let dispatch = ctx.dispatch.clone();
        let entries = props.entries.clone();
        let history_pos = history_pos.clone();
        let choices = choices.clone();
        let names = names(&props.view, &props.files);
        Callback::from(move |e: KeyboardEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let typed: Vec<&str> = entries
                .iter()
                .filter(|t| !t.from_button)
                .map(|t| t.command.as_str())
                .collect();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    let line = input.value();
                    input.set_value("");
                    *history_pos.borrow_mut() = None;
                    choices.set(Vec::new());
                    dispatch.dispatch(Action::Run(line));
                }
                "Tab" if !e.shift_key() => {
                    let line = input.value();
                    let done = completion::complete(&line, &names);
                    if done.line != line || !done.choices.is_empty() {
                        e.prevent_default();
                        input.set_value(&done.line);
                        choices.set(done.choices);
                    } else if !line.is_empty() {
                        // Nothing to complete: stay in the input.
                        e.prevent_default();
                        choices.set(Vec::new());
                    }
                }
                "ArrowUp" | "ArrowDown" if !typed.is_empty() => {
                    e.prevent_default();
                    let mut pos = history_pos.borrow_mut();
                    let last = typed.len() - 1;
                    *pos = match (e.key().as_str(), *pos) {
                        ("ArrowUp", None) => Some(last),
                        ("ArrowUp", Some(p)) => Some(p.saturating_sub(1)),
                        ("ArrowDown", Some(p)) if p < last => Some(p + 1),
                        _ => None,
                    };
                    input.set_value(pos.and_then(|p| typed.get(p).copied()).unwrap_or(""));
                }
                "Escape" => {
                    choices.set(Vec::new());
                }
                _ => {}
            }
        })
    };

    let example_buttons = EXAMPLES.iter().map(|cmd| {
        let line = cmd.to_string();
        html! { <button class="chip" onclick={ctx.on_click(move || Action::Run(line.clone()))}>{ *cmd }</button> }
    });

    html! {
        <section id="terminal" class={classes!("panel", "terminal-panel", props.collapsed.then_some("collapsed"))}
                 aria-label={ctx.t("터미널", "Terminal")}>
            <header class="panel-head">
                { collapse_button(&ctx, "terminal", props.collapsed, ctx.t("터미널", "terminal")) }
                <h2>{ ctx.t("터미널", "Terminal") }</h2>
                if !props.collapsed {
                    <span class="examples">{ ctx.t("예시 ", "try ") }{ for example_buttons }</span>
                }
            </header>
            if !props.collapsed {
                <div class="term">
                    <div class="term-output" ref={output_ref} role="log" aria-live="polite">
                        if props.entries.is_empty() {
                            <div class="term-hint">{ ctx.t(
                                "kubectl과 sim 명령이 시뮬레이션된 클러스터에서 실행됩니다. `kubectl apply -f 파일`은 편집기의 파일을 읽습니다. Tab으로 자동 완성, `help`로 명령 목록, `clear`로 지우기.",
                                "kubectl and sim commands run against the simulated cluster. `kubectl apply -f FILE` reads the editor's file. Tab completes, `help` lists the commands, `clear` clears.") }</div>
                        }
                        { for props.entries.iter().map(|entry| html! {
                            <div key={entry.id} class={classes!("term-entry", (!entry.output.success).then_some("failed"), entry.from_button.then_some("from-button"))}>
                                <div class="term-command">
                                    <span class="prompt">{ "$ " }</span>{ &entry.command }
                                    if entry.from_button {
                                        <span class="term-by">{ ctx.t("버튼", "button") }</span>
                                    }
                                </div>
                                if !entry.output.stdout.is_empty() {
                                    <pre class="term-stdout">{ &entry.output.stdout }</pre>
                                }
                                if !entry.output.stderr.is_empty() {
                                    <pre class="term-stderr">{ &entry.output.stderr }</pre>
                                }
                            </div>
                        }) }
                    </div>
                    if !choices.is_empty() {
                        <div class="term-choices" id="completions">
                            { for choices.iter().take(40).map(|c| html! { <span class="term-choice">{ c }</span> }) }
                        </div>
                    }
                    <div class="term-line">
                        <span class="prompt" aria-hidden="true">{ "$" }</span>
                        <input id="command" ref={input_ref} type="text" spellcheck="false"
                               autocomplete="off" autocapitalize="off"
                               placeholder="kubectl get pods -o wide"
                               aria-label={ctx.t("명령 (Tab으로 자동 완성)", "Command (Tab completes)")}
                               onkeydown={on_keydown} />
                    </div>
                </div>
            }
        </section>
    }
}
