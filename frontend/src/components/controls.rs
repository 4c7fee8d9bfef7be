//! The simulation controls: step one event, advance virtual time, the clock.

use yew::prelude::*;

use crate::format;
use crate::state::Notice;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Virtual time in milliseconds.
    pub time_ms: u64,
    /// How many seconds the Advance button moves time.
    pub advance_secs: u64,
    pub steps_taken: u64,
    pub notice: Option<Notice>,
    pub on_step: Callback<()>,
    pub on_advance: Callback<u64>,
}

fn step_icon() -> Html {
    html! {
        <svg class="btn-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M3 2.5v11l8-5.5z" fill="currentColor" />
            <rect x="11.5" y="2.5" width="2" height="11" fill="currentColor" />
        </svg>
    }
}

fn advance_icon() -> Html {
    html! {
        <svg class="btn-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M1.5 2.5v11l6.5-5.5z M8 2.5v11l6.5-5.5z" fill="currentColor" />
        </svg>
    }
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let on_step = {
        let on_step = props.on_step.clone();
        Callback::from(move |_: MouseEvent| on_step.emit(()))
    };
    let on_advance = {
        let on_advance = props.on_advance.clone();
        let secs = props.advance_secs;
        Callback::from(move |_: MouseEvent| on_advance.emit(secs))
    };
    html! {
        <div class="controls">
            <button id="step" class="btn" onclick={on_step}
                    title="Let the next component act on the next scheduled event">
                { step_icon() }{ "Step" }
            </button>
            <button id="advance" class="btn" onclick={on_advance}
                    title={format!("Run every event in the next {}s of virtual time", props.advance_secs)}>
                { advance_icon() }{ format!("Advance {}s", props.advance_secs) }
            </button>
            <div class="clock" title="Virtual time since the cluster started">
                <span class="clock-label">{ "virtual time" }</span>
                <span id="time" data-ms={props.time_ms.to_string()}>{ format::clock(props.time_ms) }</span>
            </div>
            <div class="clock" title="Events processed so far">
                <span class="clock-label">{ "steps" }</span>
                <span id="step-count">{ props.steps_taken }</span>
            </div>
            if let Some(notice) = &props.notice {
                <div id="notice" class="notice" role="status">{ &notice.text }</div>
            }
        </div>
    }
}
