//! What the last Apply said: kubectl's lines, and every rejected document with its line.

use yew::prelude::*;

use crate::state::{ApplyOutcome, ApplyProblem};

#[derive(Properties, PartialEq)]
pub struct ApplyResultProps {
    pub outcome: Option<ApplyOutcome>,
}

fn problem(p: &ApplyProblem) -> Html {
    let place = match (p.line, p.column) {
        (Some(l), Some(c)) => format!("Line {l}, column {c}"),
        (Some(l), None) => format!("Line {l}"),
        _ => "The manifest".to_string(),
    };
    html! {
        <div class="apply-problem" data-line={p.line.map(|l| l.to_string())}>
            <div class="apply-error-place">{ place }</div>
            <pre class="apply-error-message">{ &p.message }</pre>
        </div>
    }
}

#[function_component(ApplyResult)]
pub fn apply_result(props: &ApplyResultProps) -> Html {
    let Some(outcome) = &props.outcome else {
        return html! {
            <div id="apply-hint" class="apply-result hint">
                { "Edit the manifest, then press " }<kbd>{ "Apply" }</kbd>
                { " (or Ctrl+Enter). It goes to the simulated API server as " }
                <code>{ "kubectl apply -f manifest.yaml" }</code>{ " would send it." }
            </div>
        };
    };
    let applied = (!outcome.applied.is_empty()).then(|| {
        html! {
            <div id="apply-ok" class="apply-result ok" role="status">
                { for outcome.applied.iter().map(|line| html! { <div class="apply-line">{ line }</div> }) }
                <div class="apply-next">{ "Now Step or Advance to watch the cluster react." }</div>
            </div>
        }
    });
    let rejected = (!outcome.problems.is_empty()).then(|| {
        let n = outcome.problems.len();
        html! {
            <div id="apply-error" class="apply-result error" role="alert">
                <div class="apply-error-title">
                    { if n == 1 { "Rejected: nothing from this document was applied".to_string() }
                      else { format!("{n} documents rejected: nothing from them was applied") } }
                </div>
                { for outcome.problems.iter().map(problem) }
            </div>
        }
    });
    if applied.is_none() && rejected.is_none() {
        return html! {
            <div id="apply-ok" class="apply-result hint" role="status">
                { "Nothing to apply: the manifest has no objects." }
            </div>
        };
    }
    html! { <>{ for rejected }{ for applied }</> }
}
