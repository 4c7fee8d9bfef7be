//! One node on the cluster map: its agents, its capacity and the pods bound to it.

use kubeplay_engine::NodeView;
use yew::prelude::*;

use crate::components::pod_chip::PodChip;
use crate::format;

#[derive(Properties, PartialEq)]
pub struct NodeCardProps {
    pub node: NodeView,
    /// The component that acted in the newest step (`scheduler`, `kubelet/node-1` ...).
    pub last_actor: Option<AttrValue>,
}

/// The processes a node runs, as (label, does `actor` name it?).
fn agents(node: &NodeView, actor: Option<&str>) -> Vec<(&'static str, bool)> {
    let actor = actor.unwrap_or("");
    let on_this_node = |prefix: &str| {
        actor
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|name| name == node.name)
    };
    let mut list = Vec::new();
    if is_control_plane(node) {
        list.push((
            "kube-apiserver",
            actor == "apiserver" || actor == "kube-apiserver",
        ));
        list.push(("etcd", actor == "etcd"));
        list.push((
            "kube-scheduler",
            actor == "scheduler" || actor == "kube-scheduler",
        ));
        list.push((
            "kube-controller-manager",
            actor.ends_with("-controller") || actor == "controller-manager",
        ));
    }
    list.push(("kubelet", on_this_node("kubelet")));
    list.push(("kube-proxy", on_this_node("kube-proxy")));
    list
}

pub fn is_control_plane(node: &NodeView) -> bool {
    node.roles
        .split(',')
        .any(|r| r == "control-plane" || r == "master")
}

#[function_component(NodeCard)]
pub fn node_card(props: &NodeCardProps) -> Html {
    let node = &props.node;
    let control_plane = is_control_plane(node);
    let cpu_pct = format::percent(node.cpu_requested_milli, node.cpu_allocatable_milli);
    let mem_pct = format::percent(node.memory_requested_bytes, node.memory_allocatable_bytes);
    let agents = agents(node, props.last_actor.as_deref());
    html! {
        <article
            class={classes!("node", control_plane.then_some("control-plane"), (!node.ready).then_some("not-ready"))}
            data-node={node.name.clone()}
            data-role={if control_plane { "control-plane" } else { "worker" }}
            data-ready={node.ready.to_string()}>
            <header class="node-head">
                <span class="node-name">{ &node.name }</span>
                if !control_plane {
                    <span class="node-role">{ "worker" }</span>
                }
                <span class={classes!("node-status", if node.ready { "ready" } else { "not-ready" })}>{ &node.status }</span>
            </header>
            <ul class="agents" aria-label="processes on this node">
                { for agents.into_iter().map(|(name, active)| html! {
                    <li class={classes!("agent", active.then_some("active"))} data-agent={name}
                        title={active.then_some("acted in the last step")}>{ name }</li>
                }) }
            </ul>
            <div class="capacity">
                <div class="meter" title={format!("CPU requested {} of {}", format::cpu(node.cpu_requested_milli), format::cpu(node.cpu_allocatable_milli))}>
                    <span class="meter-label">{ "cpu" }</span>
                    <span class="meter-bar"><span class="meter-fill" style={format!("width:{cpu_pct}%")}></span></span>
                    <span class="meter-value">{ format!("{} / {}", format::cpu(node.cpu_requested_milli), format::cpu(node.cpu_allocatable_milli)) }</span>
                </div>
                <div class="meter" title={format!("Memory requested {} of {}", format::memory(node.memory_requested_bytes), format::memory(node.memory_allocatable_bytes))}>
                    <span class="meter-label">{ "mem" }</span>
                    <span class="meter-bar"><span class="meter-fill" style={format!("width:{mem_pct}%")}></span></span>
                    <span class="meter-value">{ format!("{} / {}", format::memory(node.memory_requested_bytes), format::memory(node.memory_allocatable_bytes)) }</span>
                </div>
            </div>
            if node.pods.is_empty() {
                <div class="no-pods">{ "no pods" }</div>
            } else {
                <ul class="pods">
                    { for node.pods.iter().map(|pod| html! {
                        <PodChip key={format!("{}/{}", pod.namespace, pod.name)} pod={pod.clone()} />
                    }) }
                </ul>
            }
        </article>
    }
}
