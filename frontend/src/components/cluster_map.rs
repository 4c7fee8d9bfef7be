//! The cluster map: the control plane, the worker nodes and the pods not yet placed.

use kubeplay_engine::ClusterView;
use yew::prelude::*;

use crate::components::node_card::{is_control_plane, NodeCard};
use crate::components::pod_chip::PodChip;

#[derive(Properties, PartialEq)]
pub struct ClusterMapProps {
    pub view: std::rc::Rc<ClusterView>,
    pub last_actor: Option<AttrValue>,
}

#[function_component(ClusterMap)]
pub fn cluster_map(props: &ClusterMapProps) -> Html {
    let view = &props.view;
    let (control, workers): (Vec<_>, Vec<_>) = view.nodes.iter().partition(|n| is_control_plane(n));
    let card = |node: &&kubeplay_engine::NodeView| {
        html! { <NodeCard key={node.name.clone()} node={(*node).clone()} last_actor={props.last_actor.clone()} /> }
    };
    html! {
        <section id="cluster" class="panel cluster-panel" aria-label="Cluster map">
            <header class="panel-head">
                <h2>{ "Cluster" }</h2>
                <span class="legend">
                    <span class="tone-ok">{ "Running" }</span>
                    <span class="tone-wait">{ "Pending / creating" }</span>
                    <span class="tone-bad">{ "Failing" }</span>
                    <span class="tone-gone">{ "Terminating" }</span>
                </span>
            </header>
            <div class="nodes">
                { for control.iter().map(card) }
                { for workers.iter().map(card) }
            </div>
            <div id="unscheduled" class={classes!("unscheduled", (!view.unscheduled.is_empty()).then_some("has-pods"))}>
                <div class="unscheduled-head">
                    <span class="unscheduled-title">{ "Pending / unscheduled" }</span>
                    <span class="unscheduled-help">{ "pods the scheduler has not placed on a node yet" }</span>
                </div>
                if view.unscheduled.is_empty() {
                    <div class="no-pods">{ "none" }</div>
                } else {
                    <ul class="pods">
                        { for view.unscheduled.iter().map(|pod| html! {
                            <PodChip key={format!("{}/{}", pod.namespace, pod.name)} pod={pod.clone()} />
                        }) }
                    </ul>
                }
            </div>
        </section>
    }
}
