//! The simulation controls: step one event, advance 1 s / 10 s / 1 min,
//! play and pause at a speed, reset; the virtual clock and the step count.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::format;
use crate::state::{Action, Playground, ADVANCES, SPEEDS};

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub state: Playground,
}

fn icon(path: &'static str) -> Html {
    html! {
        <svg class="btn-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d={path} fill="currentColor" />
        </svg>
    }
}

const STEP_ICON: &str = "M3 2.5v11l8-5.5z M11.5 2.5h2v11h-2z";
const ADVANCE_ICON: &str = "M1.5 2.5v11l6.5-5.5z M8 2.5v11l6.5-5.5z";
const PLAY_ICON: &str = "M4 2.5v11l9-5.5z";
const PAUSE_ICON: &str = "M3.5 2.5h3v11h-3z M9.5 2.5h3v11h-3z";
const RESET_ICON: &str = "M8 2.5a5.5 5.5 0 1 1-5.2 3.7l1.6.6A3.8 3.8 0 1 0 8 4.2V6L4.8 3.4 8 .8z";

fn advance_label(ms: u64) -> String {
    if ms >= 60_000 {
        format!("+{}m", ms / 60_000)
    } else {
        format!("+{}s", ms / 1000)
    }
}

fn speed_label(speed: f64) -> String {
    if speed.fract() == 0.0 {
        format!("{speed:.0}×")
    } else {
        format!("{speed}×")
    }
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    // Reset asks once more before it throws the cluster away.
    let confirm_reset = use_state(|| false);
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let state = &props.state;
    let lesson = state.lesson.is_some();

    let on_speed = ctx.cb(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        Action::SetSpeed(select.value().parse().unwrap_or(1))
    });
    let on_reset = {
        let confirm_reset = confirm_reset.clone();
        let dispatch = ctx.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if *confirm_reset {
                confirm_reset.set(false);
                dispatch.dispatch(Action::Reset);
            } else {
                confirm_reset.set(true);
            }
        })
    };
    let on_reset_blur = {
        let confirm_reset = confirm_reset.clone();
        Callback::from(move |_: FocusEvent| confirm_reset.set(false))
    };
    let reset_label = if *confirm_reset {
        ctx.t("정말 처음부터?", "Really start over?")
    } else if lesson {
        ctx.t("레슨 다시 시작", "Restart lesson")
    } else {
        ctx.t("초기화", "Reset")
    };

    html! {
        <div class="controls" role="toolbar" aria-label={ctx.t("시뮬레이션 조작", "Simulation controls")}>
            <button id="step" class="btn" onclick={ctx.on_click(|| Action::Step)}
                    title={ctx.t("다음 컴포넌트가 다음 이벤트 하나를 처리합니다 (sim step)",
                                 "The next component handles the next event (sim step)")}>
                { icon(STEP_ICON) }{ ctx.t("한 단계", "Step") }
            </button>
            <div class="btn-group" role="group" aria-label={ctx.t("시간 앞으로", "Advance time")}>
                { for ADVANCES.iter().enumerate().map(|(i, ms)| {
                    let ms = *ms;
                    let id = ["advance-1s", "advance", "advance-1m"].get(i).copied().unwrap_or("advance-x");
                    html! {
                        <button id={id} class="btn" onclick={ctx.on_click(move || Action::Advance(ms))}
                                title={ctx.lang.pick(
                                    format!("가상 시간 {}을 흘려보내며 그동안의 모든 이벤트를 처리합니다", advance_label(ms).trim_start_matches('+')),
                                    format!("Run every event in the next {} of virtual time", advance_label(ms).trim_start_matches('+')))}>
                            if i == 0 { { icon(ADVANCE_ICON) } }
                            { advance_label(ms) }
                        </button>
                    }
                }) }
            </div>
            if state.playing {
                <button id="play" class="btn playing" aria-pressed="true" onclick={ctx.on_click(|| Action::Pause)}>
                    { icon(PAUSE_ICON) }{ ctx.t("일시정지", "Pause") }
                </button>
            } else {
                <button id="play" class="btn" aria-pressed="false" onclick={ctx.on_click(|| Action::Play)}>
                    { icon(PLAY_ICON) }{ ctx.t("재생", "Play") }
                </button>
            }
            <label class="speed">
                <span class="sr-only">{ ctx.t("재생 속도", "Play speed") }</span>
                <select id="speed" onchange={on_speed} aria-label={ctx.t("재생 속도", "Play speed")}>
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == state.speed}>{ speed_label(*s) }</option>
                    }) }
                </select>
            </label>
            <div class="clock" title={ctx.t("클러스터가 시작된 뒤 흐른 가상 시간", "Virtual time since the cluster started")}>
                <span class="clock-label">{ ctx.t("가상 시간", "virtual time") }</span>
                <span id="time" data-ms={state.timeline.now_ms.to_string()}>{ format::clock(state.timeline.now_ms) }</span>
            </div>
            <div class="clock" title={ctx.t("지금까지 처리된 단계", "Steps processed so far")}>
                <span class="clock-label">{ ctx.t("단계", "steps") }</span>
                <span id="step-count">{ state.steps_taken() }</span>
            </div>
            <button id="reset" class={classes!("btn", "danger", confirm_reset.then_some("confirm"))}
                    onclick={on_reset} onblur={on_reset_blur}
                    title={if lesson { ctx.t("레슨의 처음 클러스터와 1단계로 돌아갑니다", "Back to the lesson's starting cluster and step 1") }
                           else { ctx.t("새 클러스터로 다시 시작합니다 (편집기 내용은 그대로)", "Start again on a fresh cluster (the editor keeps its text)") }}>
                { icon(RESET_ICON) }{ reset_label }
            </button>
        </div>
    }
}
