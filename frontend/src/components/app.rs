//! The whole playground: top bar, controls and timeline, then the lesson
//! panel, the cluster map, the editor, the terminal and the step log, and
//! the inspector drawer over them.

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::components::apply_result::ApplyResult;
use crate::components::cluster_map::ClusterMap;
use crate::components::controls::Controls;
use crate::components::editor::ManifestEditor;
use crate::components::inspector::InspectorPanel;
use crate::components::lesson_panel::LessonPanel;
use crate::components::step_log::StepLog;
use crate::components::terminal::Terminal;
use crate::components::timeline::TimelineBar;
use crate::components::topbar::Topbar;
use crate::components::Ctx;
use crate::state::{Action, Playground, Tone, TICK_MS};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(Playground::boot);
    let ctx = Ctx {
        dispatch: state.dispatcher(),
        lang: state.lang,
    };

    // Play: a tick every TICK_MS while playing.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.playing, move |playing| {
            let interval =
                playing.then(|| Interval::new(TICK_MS, move || dispatcher.dispatch(Action::Tick)));
            move || drop(interval)
        });
    }

    // A shared link pasted into the open page: the hash changes without a reload.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "hashchange", move |_| {
                    dispatcher.dispatch(Action::OpenHash(crate::persist::location_hash()));
                })
            });
            move || drop(listener)
        });
    }

    // For measurements (tests/perf): when the first render is on the page.
    use_effect_with((), |_| {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark("kubeplay-interactive");
        }
    });

    // The page's language follows the UI's.
    use_effect_with(state.lang, |lang| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", lang.code());
        }
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(lang.t(
                "kubeplay — 브라우저 안의 쿠버네티스 놀이터",
                "kubeplay — a Kubernetes playground in your browser",
            ));
        }
    });

    let on_keydown = {
        let dispatcher = state.dispatcher();
        let inspecting = state.inspector.is_some();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && inspecting {
                dispatcher.dispatch(Action::CloseInspector);
            }
        })
    };

    let notice = state.notice.as_ref().map(|n| {
        let tone = match n.tone {
            Tone::Info => "info",
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Error => "error",
        };
        let role = if matches!(n.tone, Tone::Error | Tone::Warning) { "alert" } else { "status" };
        html! {
            <div id="notice" class={classes!("notice", format!("notice-{tone}"))} role={role} data-tone={tone}>
                <span class="notice-text">{ &n.text }</span>
                <button class="icon-btn" aria-label={ctx.t("알림 닫기", "Dismiss")}
                        onclick={ctx.on_click(|| Action::DismissNotice)}>{ "×" }</button>
            </div>
        }
    });

    let collapsed = |panel: &str| state.is_collapsed(panel);
    let workspace_class = classes!(
        "workspace",
        collapsed("lesson").then_some("lesson-collapsed"),
        collapsed("editor").then_some("editor-collapsed"),
        collapsed("cluster").then_some("cluster-collapsed"),
        collapsed("terminal").then_some("terminal-collapsed"),
        collapsed("steps").then_some("steps-collapsed"),
        (collapsed("terminal") && collapsed("steps")).then_some("bottom-collapsed"),
        (collapsed("cluster") && collapsed("editor")).then_some("top-collapsed"),
    );

    html! {
        <ContextProvider<Ctx> context={ctx.clone()}>
            <div class="app" onkeydown={on_keydown} data-lang={state.lang.code()}>
                <Topbar state={(*state).clone()} />
                <div class="controlbar">
                    <Controls state={(*state).clone()} />
                    <TimelineBar timeline={state.timeline.clone()} playing={state.playing} />
                </div>
                { for notice }
                <main class={workspace_class}>
                    <LessonPanel state={(*state).clone()} />
                    <div class="center">
                        <div class="row top">
                            <ClusterMap view={state.view.clone()}
                                        flow={state.flow_step().cloned()}
                                        selected={state.selected_step}
                                        collapsed={collapsed("cluster")}
                                        inspecting={state.inspector.as_ref().map(|i| i.target.clone())} />
                            <section id="editor-panel" class={classes!("panel", "editor-panel", collapsed("editor").then_some("collapsed"))}
                                     aria-label={ctx.t("매니페스트 편집기", "Manifest editor")}>
                                <ManifestEditor
                                    files={state.files.clone()}
                                    current={AttrValue::from(state.current_file.clone())}
                                    error_lines={state.error_lines()}
                                    collapsed={collapsed("editor")} />
                                if !collapsed("editor") {
                                    <ApplyResult outcome={state.apply.clone()} />
                                }
                            </section>
                        </div>
                        <div class="row bottom">
                            <Terminal entries={state.terminal.clone()}
                                      view={state.view.clone()}
                                      files={state.files.clone()}
                                      typed={state.typed.clone()}
                                      collapsed={collapsed("terminal")} />
                            <StepLog steps={state.log.clone()}
                                     selected={state.selected_step}
                                     trail={state.trail.clone()}
                                     collapsed={collapsed("steps")} />
                        </div>
                    </div>
                    if let Some(inspector) = &state.inspector {
                        <InspectorPanel inspector={inspector.clone()} />
                    }
                </main>
            </div>
        </ContextProvider<Ctx>>
    }
}
