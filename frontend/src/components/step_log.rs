//! The step log: who acted, when, and what they did, newest first. Picking a
//! step shows its flow on the map; a step's trail follows it to every
//! reaction it caused (`sim trail`).

use std::collections::BTreeMap;
use std::rc::Rc;

use kubeplay_engine::StepRecord;
use yew::prelude::*;

use crate::components::{collapse_button, use_ctx};
use crate::format;
use crate::state::{Action, LOG_CAPACITY};

#[derive(Properties, PartialEq)]
pub struct StepLogProps {
    pub steps: Rc<Vec<StepRecord>>,
    pub selected: Option<u64>,
    pub trail: Option<Rc<(u64, Vec<StepRecord>)>>,
    pub collapsed: bool,
}

/// Each trail step with its depth below the first (by who woke whom).
pub fn trail_depths(trail: &[StepRecord]) -> Vec<(usize, &StepRecord)> {
    let mut depth: BTreeMap<u64, usize> = BTreeMap::new();
    trail
        .iter()
        .map(|s| {
            let d = s
                .caused_by
                .and_then(|c| depth.get(&c).map(|d| d + 1))
                .unwrap_or(0);
            depth.insert(s.id, d);
            (d, s)
        })
        .collect()
}

#[function_component(StepLog)]
pub fn step_log(props: &StepLogProps) -> Html {
    let body_ref = use_node_ref();
    {
        // A trail opens at its start.
        let body_ref = body_ref.clone();
        use_effect_with(props.trail.as_ref().map(|t| t.0), move |_| {
            if let Some(body) = body_ref.cast::<web_sys::HtmlElement>() {
                body.set_scroll_top(0);
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let newest = props.steps.last().map(|s| s.id);
    let shown = props.selected.or(newest);
    let body = if let Some(trail) = &props.trail {
        let (root, steps) = (&trail.0, &trail.1);
        html! {
            <div id="trail" class="trail">
                <div class="trail-head">
                    <span>{ ctx.lang.pick(
                        format!("#{root}에서 시작된 반응 {}개 (누가 누구를 깨웠는지)", steps.len().saturating_sub(1)),
                        format!("{} reactions that followed #{root} (who woke whom)", steps.len().saturating_sub(1))) }</span>
                    <code class="trail-cmd">{ format!("sim trail {root}") }</code>
                    <button id="close-trail" class="btn small" onclick={ctx.on_click(|| Action::ShowTrail(None))}>{ ctx.t("닫기", "Close") }</button>
                </div>
                <ol class="trail-list">
                    { for trail_depths(steps).into_iter().map(|(depth, s)| {
                        let id = s.id;
                        html! {
                            <li class={classes!("trail-step", (Some(id) == shown).then_some("selected"))}
                                style={format!("--depth:{}", depth.min(12))} data-step={id.to_string()}>
                                <button class="step-row" onclick={ctx.on_click(move || Action::SelectStep(Some(id)))}>
                                    <span class="step-id">{ format!("#{id}") }</span>
                                    <span class="step-time">{ format::clock(s.time_ms) }</span>
                                    <span class="step-component">{ &s.component }</span>
                                    <span class="step-summary">{ &s.summary }</span>
                                </button>
                            </li>
                        }
                    }) }
                </ol>
            </div>
        }
    } else if props.steps.is_empty() {
        html! { <div class="empty">{ ctx.t("아직 단계가 없습니다. 매니페스트를 적용한 뒤 한 단계씩 진행하거나 시간을 흘려보내세요.",
        "No step yet. Apply the manifest, then Step or Advance.") }</div> }
    } else {
        html! {
            <>
            <ol class="steps">
                { for props.steps.iter().rev().map(|step| {
                    let id = step.id;
                    let writes = step.writes.iter()
                        .map(|w| format!("{} {} @rev {}", w.verb, w.key, w.revision))
                        .collect::<Vec<_>>()
                        .join("\n");
                    let is_shown = Some(id) == shown;
                    html! {
                        <li key={id} class={classes!("step", is_shown.then_some("selected"), (step.component == "kubectl").then_some("by-you"))}
                            data-step={id.to_string()} data-component={step.component.clone()}>
                            <button class="step-row" title={writes} aria-pressed={is_shown.to_string()}
                                    onclick={ctx.on_click(move || Action::SelectStep(Some(id)))}>
                                <span class="step-id">{ format!("#{id}") }</span>
                                <span class="step-time">{ format::clock(step.time_ms) }</span>
                                <span class="step-component">{ &step.component }</span>
                                <span class="step-summary">{ &step.summary }</span>
                                if !step.writes.is_empty() {
                                    <span class="step-writes">{ ctx.lang.pick(format!("쓰기 {}", step.writes.len()), format!("{} write{}", step.writes.len(), if step.writes.len() == 1 { "" } else { "s" })) }</span>
                                }
                            </button>
                            if step.component == "kubectl" {
                                <button class="btn small ghost trail-btn" onclick={ctx.on_click(move || Action::ShowTrail(Some(id)))}
                                        title={ctx.t("이 명령이 일으킨 모든 반응", "Every reaction this command caused")}>
                                    { ctx.t("trail", "trail") }
                                </button>
                            }
                        </li>
                    }
                }) }
            </ol>
            if props.steps.first().is_some_and(|s| s.id > 1) {
                <p class="log-more">
                    { ctx.lang.pick(format!("최근 {}단계만 보입니다. 이전 단계를 보려면 터미널에 ", props.steps.len()),
                                    format!("The newest {} steps. For older ones, type ", props.steps.len())) }
                    <code>{ format!("sim log {}", LOG_CAPACITY * 4) }</code>
                    { ctx.t("을 입력하세요.", " in the terminal.") }
                </p>
            }
            </>
        }
    };
    html! {
        <section id="steps" class={classes!("panel", "log-panel", props.collapsed.then_some("collapsed"))}
                 aria-label={ctx.t("단계 기록", "Step log")}>
            <header class="panel-head">
                { collapse_button(&ctx, "steps", props.collapsed, ctx.t("단계 기록", "step log")) }
                <h2>{ ctx.t("단계 기록", "Steps") }</h2>
                if !props.collapsed {
                    <span class="panel-note">{ ctx.t("최신이 위 · 누르면 지도에 흐름 표시", "newest first · pick one to see its flow") }</span>
                }
            </header>
            if !props.collapsed {
                <div class="panel-body" ref={body_ref}>{ body }</div>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: u64, caused_by: Option<u64>) -> StepRecord {
        StepRecord {
            id,
            time_ms: id * 10,
            component: "x".into(),
            summary: String::new(),
            writes: Vec::new(),
            caused_by,
            woke: Vec::new(),
        }
    }

    #[test]
    fn trail_depth_follows_causes() {
        let trail = vec![
            step(1, None),
            step(2, Some(1)),
            step(3, Some(2)),
            step(4, Some(1)),
        ];
        let depths: Vec<usize> = trail_depths(&trail).into_iter().map(|(d, _)| d).collect();
        assert_eq!(depths, [0, 1, 2, 1]);
    }
}
