//! The whole playground: header and controls, editor, cluster map, step log, terminal.

use yew::prelude::*;

use crate::components::apply_result::ApplyResult;
use crate::components::cluster_map::ClusterMap;
use crate::components::controls::Controls;
use crate::components::editor::ManifestEditor;
use crate::components::step_log::StepLog;
use crate::components::terminal::Terminal;
use crate::state::{Action, Playground, ADVANCE_SECS};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(Playground::default);

    let on_edit = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(Action::Edit(text)))
    };
    let on_apply = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Apply))
    };
    let on_step = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Step))
    };
    let on_advance = {
        let state = state.clone();
        Callback::from(move |secs: u64| state.dispatch(Action::Advance(secs)))
    };
    let on_run = {
        let state = state.clone();
        Callback::from(move |line: String| state.dispatch(Action::Run(line)))
    };

    let last_actor = state.last_actor().map(|a| AttrValue::from(a.to_string()));

    html! {
        <div class="app">
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">{ "⎈" }</span>
                    <span class="brand-name">{ "kubeplay" }</span>
                    <span class="tagline">{ "a Kubernetes cluster, simulated in your browser" }</span>
                </div>
                <Controls
                    time_ms={state.view.time_ms}
                    advance_secs={ADVANCE_SECS}
                    steps_taken={state.steps_taken()}
                    notice={state.notice.clone()}
                    on_step={on_step}
                    on_advance={on_advance} />
            </header>
            <main class="workspace">
                <div class="column left">
                    <ManifestEditor
                        text={AttrValue::from(state.manifest.to_string())}
                        error_lines={state.error_lines()}
                        on_edit={on_edit}
                        on_apply={on_apply} />
                    <ApplyResult outcome={state.apply.clone()} />
                </div>
                <div class="column right">
                    <ClusterMap view={state.view.clone()} last_actor={last_actor} />
                    <StepLog steps={state.log.clone()} />
                </div>
                <div class="bottom">
                    <Terminal entries={state.terminal.clone()} on_run={on_run} />
                </div>
            </main>
        </div>
    }
}
