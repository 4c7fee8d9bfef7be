//! One node on the cluster map: its agents (lit when they act in the shown
//! step), its capacity, the pods bound to it, and faults at hand.

use kubeplay_engine::NodeView;
use yew::prelude::*;

use crate::components::flow::FlowMarks;
use crate::components::pod_chip::PodChip;
use crate::components::use_ctx;
use crate::format;
use crate::inspect::Target;
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct NodeCardProps {
    pub node: NodeView,
    pub marks: FlowMarks,
    #[prop_or_default]
    pub compact: bool,
    /// The pod open in the inspector, as (namespace, name).
    #[prop_or_default]
    pub selected_pod: Option<(String, String)>,
    #[prop_or_default]
    pub selected: bool,
}

pub fn is_control_plane(node: &NodeView) -> bool {
    node.roles
        .split(',')
        .any(|r| r == "control-plane" || r == "master")
}

/// The processes a node runs: (label, agent id on the flow map).
fn agents(node: &NodeView) -> Vec<(&'static str, String)> {
    let mut list = Vec::new();
    if is_control_plane(node) {
        list.push(("kube-apiserver", "kube-apiserver".to_string()));
        list.push(("etcd", "etcd".to_string()));
        list.push(("kube-scheduler", "kube-scheduler".to_string()));
        list.push((
            "kube-controller-manager",
            "kube-controller-manager".to_string(),
        ));
    }
    list.push(("kubelet", format!("kubelet/{}", node.name)));
    list.push(("kube-proxy", format!("kube-proxy/{}", node.name)));
    list
}

#[function_component(NodeCard)]
pub fn node_card(props: &NodeCardProps) -> Html {
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let node = &props.node;
    let control_plane = is_control_plane(node);
    let cordoned = node.status.contains("SchedulingDisabled");
    let cpu_pct = format::percent(node.cpu_requested_milli, node.cpu_allocatable_milli);
    let mem_pct = format::percent(node.memory_requested_bytes, node.memory_allocatable_bytes);
    let name = node.name.clone();
    let on_inspect = ctx.on_click(move || Action::Inspect(Target::Node { name: name.clone() }));
    // A failed kubelet shows as NotReady (after the node controller notices): offer recovery then.
    let fault = if node.ready {
        let cmd = format!("sim node fail {}", node.name);
        let label = ctx.lang.pick(
            format!("노드 장애 일으키기: {cmd}"),
            format!("Fail this node: {cmd}"),
        );
        html! {
            <button class="icon-btn node-fault" title={label.clone()} aria-label={label}
                    onclick={ctx.on_click(move || Action::RunButton(cmd.clone()))}>{ "⚡" }</button>
        }
    } else {
        let cmd = format!("sim node recover {}", node.name);
        let label = ctx.lang.pick(
            format!("노드 복구: {cmd}"),
            format!("Recover this node: {cmd}"),
        );
        html! {
            <button class="icon-btn node-recover" title={label.clone()} aria-label={label}
                    onclick={ctx.on_click(move || Action::RunButton(cmd.clone()))}>{ "↺" }</button>
        }
    };
    let agent = |label: &'static str, id: String| {
        let state = props.marks.state_of(&id);
        html! {
            <li class={classes!("agent", state)} data-agent={label} data-agent-id={id.clone()}
                title={match state {
                    Some("active") => ctx.t("이 단계에서 동작함", "acted in this step"),
                    Some("woken") => ctx.t("이 단계의 쓰기에 깨어남 (watch)", "woken by this step's writes (watch)"),
                    Some("touched") => ctx.t("이 단계의 쓰기를 받음", "received this step's writes"),
                    _ => "",
                }}>{ label }</li>
        }
    };
    let capacity = html! {
            <div class="capacity">
            <div class="meter" title={ctx.lang.pick(
                format!("파드들이 요청한 CPU {} / 할당 가능 {}", format::cpu(node.cpu_requested_milli), format::cpu(node.cpu_allocatable_milli)),
                format!("CPU requested by pods {} of {} allocatable", format::cpu(node.cpu_requested_milli), format::cpu(node.cpu_allocatable_milli)))}>
                <span class="meter-label">{ "cpu" }</span>
                <span class="meter-bar"><span class="meter-fill" style={format!("width:{cpu_pct}%")}></span></span>
                <span class="meter-value">{ format!("{} / {}", format::cpu(node.cpu_requested_milli), format::cpu(node.cpu_allocatable_milli)) }</span>
            </div>
            <div class="meter" title={ctx.lang.pick(
                format!("파드들이 요청한 메모리 {} / 할당 가능 {}", format::memory(node.memory_requested_bytes), format::memory(node.memory_allocatable_bytes)),
                format!("Memory requested by pods {} of {} allocatable", format::memory(node.memory_requested_bytes), format::memory(node.memory_allocatable_bytes)))}>
                <span class="meter-label">{ ctx.t("메모리", "mem") }</span>
                <span class="meter-bar"><span class="meter-fill" style={format!("width:{mem_pct}%")}></span></span>
                <span class="meter-value">{ format!("{} / {}", format::memory(node.memory_requested_bytes), format::memory(node.memory_allocatable_bytes)) }</span>
            </div>
        </div>
    };
    html! {
        <article
            class={classes!("node", control_plane.then_some("control-plane"), (!node.ready).then_some("not-ready"), props.selected.then_some("selected"))}
            data-node={node.name.clone()}
            data-role={if control_plane { "control-plane" } else { "worker" }}
            data-ready={node.ready.to_string()}>
            <header class="node-head">
                <button class="node-name" onclick={on_inspect}
                        aria-label={ctx.lang.pick(format!("노드 {} 살펴보기", node.name), format!("Inspect node {}", node.name))}>
                    { &node.name }
                </button>
                if control_plane {
                    <span class="node-role">{ ctx.t("마스터 (컨트롤 플레인)", "control plane") }</span>
                }
                <span class={classes!("node-status", if node.ready { "ready" } else { "not-ready" })}>{ &node.status }</span>
                { fault }
            </header>
            if cordoned || !node.conditions.is_empty() || !node.taints.is_empty() {
                <ul class="node-marks" aria-label={ctx.t("노드 상태와 테인트", "node conditions and taints")}>
                    if cordoned {
                        <li class="node-mark cordon" title={ctx.t(
                            "kubectl cordon: 새 파드가 이 노드에 스케줄되지 않습니다 (spec.unschedulable)",
                            "kubectl cordon: no new pod is scheduled here (spec.unschedulable)")}>
                            { ctx.t("코든됨", "cordoned") }
                        </li>
                    }
                    { for node.conditions.iter().map(|c| html! {
                        <li class="node-mark condition" title={format!("{}\n{}", c.summary, c.message)}>{ &c.summary }</li>
                    }) }
                    { for node.taints.iter().map(|t| html! {
                        <li class="node-mark taint" title={format!("{t}\n{}", ctx.t("테인트: 이를 용인(toleration)하는 파드만 옵니다", "taint: only pods that tolerate it come here"))}>
                            { t }
                        </li>
                    }) }
                </ul>
            }
            if control_plane {
                // The control plane as a picture: the API server in the middle, etcd beside it,
                // the scheduler and the controller manager above; the node's own agents below.
                <ul class="agents cp-grid" aria-label={ctx.t("컨트롤 플레인 구성 요소", "control plane components")}>
                    { for agents(node).into_iter().filter(|(label, _)| !matches!(*label, "kubelet" | "kube-proxy")).map(|(label, id)| agent(label, id)) }
                </ul>
                <div class="cp-foot">
                    <ul class="agents" aria-label={ctx.t("이 노드의 프로세스", "processes on this node")}>
                        { for agents(node).into_iter().filter(|(label, _)| matches!(*label, "kubelet" | "kube-proxy")).map(|(label, id)| agent(label, id)) }
                    </ul>
                    { capacity.clone() }
                </div>
            } else {
                <ul class="agents" aria-label={ctx.t("이 노드의 프로세스", "processes on this node")}>
                    { for agents(node).into_iter().map(|(label, id)| agent(label, id)) }
                </ul>
                { capacity }
            }
            if node.pods.is_empty() {
                <div class="no-pods">{ ctx.t("파드 없음", "no pods") }</div>
            } else {
                <ul class={classes!("pods", props.compact.then_some("compact"))}>
                    { for node.pods.iter().map(|pod| {
                        let selected = props.selected_pod.as_ref().is_some_and(|(ns, n)| *ns == pod.namespace && *n == pod.name);
                        html! {
                            <PodChip key={format!("{}/{}", pod.namespace, pod.name)} pod={pod.clone()} compact={props.compact} {selected} />
                        }
                    }) }
                </ul>
            }
        </article>
    }
}
