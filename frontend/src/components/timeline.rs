//! The timeline: a scrubber over the recorded run. Going back replays the
//! recorded commands up to that moment (the engine is deterministic), so any
//! earlier moment can be looked at again; acting there drops what came after.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::format;
use crate::state::{Action, Timeline};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub timeline: Timeline,
    pub playing: bool,
}

#[function_component(TimelineBar)]
pub fn timeline_bar(props: &TimelineProps) -> Html {
    // While dragging, the moment under the thumb (applied on release).
    let dragging = use_state(|| None::<u64>);
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let t = &props.timeline;
    let span = t.end_ms.saturating_sub(t.start_ms);
    let shown = dragging.unwrap_or(t.now_ms);

    let on_input = {
        let dragging = dragging.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dragging.set(input.value().parse::<f64>().ok().map(|v| v as u64));
        })
    };
    let on_change = {
        let dragging = dragging.clone();
        let dispatch = ctx.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dragging.set(None);
            if let Ok(v) = input.value().parse::<f64>() {
                dispatch.dispatch(Action::Rewind(v as u64));
            }
        })
    };

    let percent = |ms: u64| {
        if span == 0 {
            100.0
        } else {
            (ms.saturating_sub(t.start_ms)) as f64 * 100.0 / span as f64
        }
    };
    let marks = t.marks.iter().enumerate().map(|(i, (at, command))| {
        let at = *at;
        let title = ctx.lang.pick(
            format!("{} {command} — 이 명령 직후로 가기", format::clock(at)),
            format!("{} {command} — go to just after it", format::clock(at)),
        );
        html! {
            <button class="mark" style={format!("left:{:.3}%", percent(at))}
                    data-at={at.to_string()} aria-label={title.clone()} title={title}
                    key={i}
                    onclick={ctx.on_click(move || Action::Rewind(at + 1))}></button>
        }
    });

    html! {
        <div class={classes!("timeline", t.rewound.then_some("rewound"))}
             role="group" aria-label={ctx.t("타임라인", "Timeline")}>
            <span class="tl-edge">{ format::clock(t.start_ms) }</span>
            <div class="tl-track">
                <input id="timeline" type="range"
                       min={t.start_ms.to_string()} max={t.end_ms.max(t.start_ms).to_string()} step="100"
                       value={t.now_ms.to_string()}
                       disabled={span == 0}
                       aria-label={ctx.t("타임라인: 이전 시점으로 되감기", "Timeline: go back to an earlier moment")}
                       aria-valuetext={format::clock(shown)}
                       oninput={on_input} onchange={on_change} />
                <div class="tl-marks">{ for marks }</div>
            </div>
            <span class="tl-edge" id="timeline-end">{ format::clock(t.end_ms) }</span>
            if t.rewound {
                <span id="rewound" class="tl-state" role="status">
                    { ctx.lang.pick(
                        format!("{} 시점을 보는 중 · 여기서 조작하면 그 뒤의 기록은 지워집니다", format::clock(shown)),
                        format!("Viewing {} · acting here drops what came after", format::clock(shown))) }
                </span>
                <button id="to-end" class="btn small" onclick={ctx.on_click(|| Action::ToEnd)}>
                    { ctx.t("지금으로", "Back to now") }
                </button>
            } else if let Some(at) = *dragging {
                <span class="tl-state">{ format::clock(at) }</span>
            } else {
                <span class="tl-state live">{ ctx.t("현재", "live") }</span>
            }
        </div>
    }
}
