//! What the last Apply said: kubectl's lines, or the error naming its line.

use yew::prelude::*;

use crate::state::ApplyOutcome;

#[derive(Properties, PartialEq)]
pub struct ApplyResultProps {
    pub outcome: Option<ApplyOutcome>,
}

#[function_component(ApplyResult)]
pub fn apply_result(props: &ApplyResultProps) -> Html {
    match &props.outcome {
        None => html! {
            <div id="apply-hint" class="apply-result hint">
                { "Edit the manifest, then press " }<kbd>{ "Apply" }</kbd>
                { " (or Ctrl+Enter). It is sent to the simulated API server exactly as " }
                <code>{ "kubectl apply -f manifest.yaml" }</code>{ " would send it." }
            </div>
        },
        Some(ApplyOutcome::Applied(lines)) => html! {
            <div id="apply-ok" class="apply-result ok" role="status">
                { for lines.iter().map(|line| html! { <div class="apply-line">{ line }</div> }) }
                if lines.is_empty() {
                    <div class="apply-line">{ "Nothing to apply: the manifest is empty." }</div>
                }
                <div class="apply-next">{ "Now press Step or Advance to watch the cluster react." }</div>
            </div>
        },
        Some(ApplyOutcome::Failed { message, line, column }) => {
            let place = match (line, column) {
                (Some(l), Some(c)) => format!("Line {l}, column {c}"),
                (Some(l), None) => format!("Line {l}"),
                _ => "The manifest".to_string(),
            };
            html! {
                <div id="apply-error" class="apply-result error" role="alert"
                     data-line={line.map(|l| l.to_string())}>
                    <div class="apply-error-place">{ place }{ " — rejected, nothing was changed" }</div>
                    <pre class="apply-error-message">{ message }</pre>
                </div>
            }
        }
    }
}
