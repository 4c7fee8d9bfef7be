//! The last steps of the simulation: who acted, when, and what they wrote.

use std::rc::Rc;

use kubeplay_engine::StepRecord;
use yew::prelude::*;

use crate::format;


#[derive(Properties, PartialEq)]
pub struct StepLogProps {
    pub steps: Rc<Vec<StepRecord>>,
}

#[function_component(StepLog)]
pub fn step_log(props: &StepLogProps) -> Html {
    html! {
        <section id="steps" class="panel log-panel" aria-label="Step log">
            <header class="panel-head">
                <h2>{ "Last steps" }</h2>
                <span class="panel-note">{ format!("newest first · {} kept", props.steps.len()) }</span>
            </header>
            if props.steps.is_empty() {
                <div class="empty">{ "No step yet. Apply the manifest, then Step or Advance." }</div>
            } else {
                <ol class="steps">
                    { for props.steps.iter().rev().enumerate().map(|(i, step)| {
                        // The newest step spells out what it wrote through the API server.
                        let newest = i == 0;
                        let writes = step.writes.iter()
                            .map(|w| format!("{} {} @rev {}", w.verb, w.key, w.revision))
                            .collect::<Vec<_>>()
                            .join("\n");
                        html! {
                            <li key={step.id} class="step" data-step={step.id.to_string()}
                                data-component={step.component.clone()} title={writes}>
                                <span class="step-time">{ format::clock(step.time_ms) }</span>
                                <span class="step-component">{ &step.component }</span>
                                <span class="step-summary">{ &step.summary }</span>
                                if !step.writes.is_empty() {
                                    <span class="step-writes">{ format!("{} write{}", step.writes.len(), if step.writes.len() == 1 { "" } else { "s" }) }</span>
                                }
                                if newest && !step.writes.is_empty() {
                                    <ul class="step-write-list">
                                        { for step.writes.iter().map(|w| html! {
                                            <li>
                                                <span class="write-verb">{ &w.verb }</span>
                                                <span class="write-key">{ &w.key }</span>
                                                <span class="write-rev">{ format!("revision {}", w.revision) }</span>
                                            </li>
                                        }) }
                                    </ul>
                                }
                            </li>
                        }
                    }) }
                </ol>
            }
        </section>
    }
}
