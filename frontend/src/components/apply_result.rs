//! What the last Apply said: kubectl's lines, warnings, and every rejected
//! document with its line.

use yew::prelude::*;

use crate::components::use_ctx;
use crate::state::{ApplyOutcome, ApplyProblem};

#[derive(Properties, PartialEq)]
pub struct ApplyResultProps {
    pub outcome: Option<ApplyOutcome>,
}

#[function_component(ApplyResult)]
pub fn apply_result(props: &ApplyResultProps) -> Html {
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let problem = |p: &ApplyProblem| {
        let place = match (p.line, p.column) {
            (Some(l), Some(c)) => ctx.lang.pick(
                format!("{l}번째 줄, {c}번째 칸"),
                format!("Line {l}, column {c}"),
            ),
            (Some(l), None) => ctx.lang.pick(format!("{l}번째 줄"), format!("Line {l}")),
            _ => ctx.t("매니페스트", "The manifest").to_string(),
        };
        html! {
            <div class="apply-problem" data-line={p.line.map(|l| l.to_string())}>
                <div class="apply-error-place">{ place }</div>
                <pre class="apply-error-message">{ &p.message }</pre>
            </div>
        }
    };
    let Some(outcome) = &props.outcome else {
        return html! {
            <div id="apply-hint" class="apply-result hint">
                { ctx.t("매니페스트를 고친 뒤 ", "Edit the manifest, then press ") }<kbd>{ ctx.t("적용", "Apply") }</kbd>
                { ctx.t("을 누르세요 (Ctrl+Enter). ", " (or Ctrl+Enter). ") }
                { ctx.t("시뮬레이션된 API 서버에 ", "It goes to the simulated API server as ") }
                <code>{ "kubectl apply -f" }</code>{ ctx.t("처럼 보내집니다.", " would send it.") }
            </div>
        };
    };
    let applied = (!outcome.applied.is_empty()).then(|| {
        html! {
            <div id="apply-ok" class="apply-result ok" role="status">
                { for outcome.applied.iter().map(|line| html! { <div class="apply-line">{ line }</div> }) }
                { for outcome.warnings.iter().map(|w| html! { <div class="apply-warning">{ w }</div> }) }
                <div class="apply-next">{ ctx.t("이제 한 단계씩 진행하거나 시간을 흘려보내며 클러스터의 반응을 지켜보세요.",
                                              "Now Step or Advance to watch the cluster react.") }</div>
            </div>
        }
    });
    let rejected = (!outcome.problems.is_empty()).then(|| {
        let n = outcome.problems.len();
        html! {
            <div id="apply-error" class="apply-result error" role="alert">
                <div class="apply-error-title">
                    { if n == 1 {
                        ctx.t("거부됨: 이 문서의 어떤 것도 적용되지 않았습니다", "Rejected: nothing from this document was applied").to_string()
                      } else {
                        ctx.lang.pick(format!("문서 {n}개가 거부됨: 그 문서들의 어떤 것도 적용되지 않았습니다"),
                                      format!("{n} documents rejected: nothing from them was applied"))
                      } }
                </div>
                { for outcome.problems.iter().map(problem) }
            </div>
        }
    });
    if applied.is_none() && rejected.is_none() {
        return html! {
            <div id="apply-ok" class="apply-result hint" role="status">
                { ctx.t("적용할 것이 없습니다: 매니페스트에 객체가 없습니다.", "Nothing to apply: the manifest has no objects.") }
            </div>
        };
    }
    html! { <>{ for rejected }{ for applied }</> }
}
