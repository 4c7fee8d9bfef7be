//! One pod on the cluster map, coloured by its STATUS: a button that opens
//! it in the inspector, and a small button that kills it (kubectl delete pod).

use kubeplay_engine::PodView;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::format;
use crate::inspect::Target;
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct PodChipProps {
    pub pod: PodView,
    /// Many pods on the map: a small square instead of a chip with text.
    #[prop_or_default]
    pub compact: bool,
    #[prop_or_default]
    pub selected: bool,
}

/// `kubectl delete pod NAME [-n NS]`.
pub fn delete_command(pod: &PodView) -> String {
    if pod.namespace == "default" {
        format!("kubectl delete pod {}", pod.name)
    } else {
        format!("kubectl delete pod {} -n {}", pod.name, pod.namespace)
    }
}

#[function_component(PodChip)]
pub fn pod_chip(props: &PodChipProps) -> Html {
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let pod = &props.pod;
    let tone = format::status_tone(&pod.status);
    let mut title = format!(
        "{}/{}  READY {}  STATUS {}  RESTARTS {}",
        pod.namespace, pod.name, pod.ready, pod.status, pod.restarts
    );
    if let Some(owner) = &pod.owner {
        title.push_str(&format!("\n{}: {owner}", ctx.t("소유자", "owner")));
    }
    if let Some(reason) = &pod.pending_reason {
        title.push_str(&format!("\n{reason}"));
    }
    let target = Target::Pod {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
    };
    let on_open = ctx.on_click(move || Action::Inspect(target.clone()));
    let delete = delete_command(pod);
    let kill_label = ctx.lang.pick(
        format!("파드 죽이기: {delete}"),
        format!("Kill the pod: {delete}"),
    );
    let on_kill = ctx.on_click(move || Action::RunButton(delete.clone()));
    let terminating = pod.status == "Terminating";
    html! {
        <li class={classes!("pod", format!("tone-{tone}"), props.compact.then_some("compact"), props.selected.then_some("selected"))}
            data-name={pod.name.clone()}
            data-namespace={pod.namespace.clone()}
            data-status={pod.status.clone()}
            data-ready={pod.all_ready.to_string()}>
            <button class="pod-main" onclick={on_open} title={title.clone()}
                    aria-label={ctx.lang.pick(format!("파드 {} ({}) 살펴보기", pod.name, pod.status), format!("Inspect pod {} ({})", pod.name, pod.status))}>
                <span class="pod-dot" aria-hidden="true"></span>
                if !props.compact {
                    <span class="pod-name">{ &pod.name }</span>
                    <span class="pod-status">{ &pod.status }</span>
                    <span class="pod-ready" title={ctx.t("준비된 컨테이너", "ready containers")}>{ &pod.ready }</span>
                    if pod.restarts > 0 {
                        <span class="pod-restarts" title={ctx.t("재시작 횟수", "restarts")}>{ format!("↻{}", pod.restarts) }</span>
                    }
                }
            </button>
            if !props.compact && !terminating {
                <button class="pod-kill" onclick={on_kill} title={kill_label.clone()} aria-label={kill_label}>{ "×" }</button>
            }
            if !props.compact {
                if let Some(reason) = &pod.pending_reason {
                    <div class="pod-reason" title={reason.clone()}>{ reason }</div>
                }
            }
        </li>
    }
}
