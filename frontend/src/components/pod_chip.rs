//! One pod on the cluster map, coloured by its STATUS.

use kubeplay_engine::PodView;
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct PodChipProps {
    pub pod: PodView,
}

#[function_component(PodChip)]
pub fn pod_chip(props: &PodChipProps) -> Html {
    let pod = &props.pod;
    let tone = format::status_tone(&pod.status);
    let title = format!(
        "{}/{}  READY {}  STATUS {}  RESTARTS {}",
        pod.namespace, pod.name, pod.ready, pod.status, pod.restarts
    );
    html! {
        <li class={classes!("pod", format!("tone-{tone}"))}
            data-name={pod.name.clone()}
            data-namespace={pod.namespace.clone()}
            data-status={pod.status.clone()}
            data-ready={pod.all_ready.to_string()}
            title={title}>
            <span class="pod-dot" aria-hidden="true"></span>
            <span class="pod-name">{ &pod.name }</span>
            <span class="pod-status">{ &pod.status }</span>
            <span class="pod-ready" title="ready containers">{ &pod.ready }</span>
            if pod.restarts > 0 {
                <span class="pod-restarts" title="restarts">{ format!("↻{}", pod.restarts) }</span>
            }
        </li>
    }
}
