//! The cluster map: you (kubectl), the control plane and the worker nodes
//! with their pods, the pods not yet placed, the Deployments with their
//! ReplicaSets, the Services with their endpoints; the shown step's flow drawn over it as arrows.

use std::rc::Rc;

use kubeplay_engine::{ClusterView, StepRecord};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, ResizeObserver};
use yew::prelude::*;

use crate::components::flow::{self, FlowMarks};
use crate::components::node_card::{is_control_plane, NodeCard};
use crate::components::pod_chip::PodChip;
use crate::components::rollout_chart::RolloutChart;
use crate::components::service_map::ServiceMap;
use crate::components::{collapse_button, use_ctx, Ctx};
use crate::format;
use crate::inspect::Target;
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct ClusterMapProps {
    pub view: Rc<ClusterView>,
    /// The step whose flow is drawn.
    pub flow: Option<StepRecord>,
    /// Set when the learner picked a step in the log (else the newest is shown).
    pub selected: Option<u64>,
    pub collapsed: bool,
    /// What the inspector shows, to mark it on the map.
    pub inspecting: Option<Target>,
    /// Changes when the layout around the map changes (the arrows are drawn again).
    #[prop_or_default]
    pub layout: u64,
}

/// Above this many pods the map draws them as small squares.
const COMPACT_ABOVE: usize = 40;

fn flow_caption(ctx: &Ctx, step: Option<&StepRecord>, selected: bool) -> Html {
    let Some(step) = step else {
        return html! {
            <div id="flow" class="flow-caption empty">
                { ctx.t("아직 아무 일도 없었습니다. 매니페스트를 적용하고 한 단계씩 진행해 보세요: 누가 무엇을 쓰고 누구를 깨우는지 화살표로 보입니다.",
                        "Nothing has happened yet. Apply a manifest and step: arrows show who wrote what and whom it woke.") }
            </div>
        };
    };
    let id = step.id;
    let writes = step
        .writes
        .iter()
        .map(|w| format!("{} {} (rev {})", w.verb, w.key, w.revision))
        .collect::<Vec<_>>();
    html! {
        <div id="flow" class="flow-caption" data-step={step.id.to_string()}>
            <div class="flow-line">
                <span class="flow-id">{ format!("#{}", step.id) }</span>
                <span class="flow-time">{ format::clock(step.time_ms) }</span>
                <span class="flow-actor">{ &step.component }</span>
                <span class="flow-summary">{ &step.summary }</span>
            </div>
            <div class="flow-detail">
                <span class="flow-key flow-key-write">{ ctx.t("쓴 것", "wrote") }</span>
                if writes.is_empty() {
                    <span class="muted">{ ctx.t("없음", "nothing") }</span>
                } else {
                    <span class="flow-writes">{ writes.join(" · ") }</span>
                }
            </div>
            <div class="flow-detail">
                <span class="flow-key flow-key-watch">{ ctx.t("깨운 것", "woke") }</span>
                if step.woke.is_empty() {
                    <span class="muted">{ ctx.t("없음", "nobody") }</span>
                } else {
                    <span class="flow-woke">{ step.woke.join(" · ") }</span>
                }
            </div>
            <div class="flow-actions">
                if let Some(cause) = step.caused_by {
                    <button class="btn small ghost" onclick={ctx.on_click(move || Action::SelectStep(Some(cause)))}
                            title={ctx.t("이 단계를 깨운 단계", "The step that woke this one")}>
                        { ctx.lang.pick(format!("원인 #{cause}"), format!("cause #{cause}")) }
                    </button>
                }
                <button class="btn small ghost" onclick={ctx.on_click(move || Action::ShowTrail(Some(id)))}
                        title={ctx.t("이 단계가 일으킨 모든 반응 (sim trail)", "Every reaction this step caused (sim trail)")}>
                    { ctx.t("반응 추적", "Trail") }
                </button>
                if selected {
                    <button id="flow-newest" class="btn small ghost" onclick={ctx.on_click(|| Action::SelectStep(None))}>
                        { ctx.t("최신", "Newest") }
                    </button>
                }
            </div>
        </div>
    }
}

#[function_component(ClusterMap)]
pub fn cluster_map(props: &ClusterMapProps) -> Html {
    let map_ref = use_node_ref();
    let svg_ref = use_node_ref();
    let marks = FlowMarks::from_step(props.flow.as_ref());
    let lang = use_context::<crate::components::Ctx>()
        .map(|c| c.lang)
        .unwrap_or_default();
    let current_marks = use_mut_ref(FlowMarks::default);
    *current_marks.borrow_mut() = marks.clone();
    {
        // After every render, draw the arrows where the chips now are.
        let map_ref = map_ref.clone();
        let svg_ref = svg_ref.clone();
        let marks = marks.clone();
        use_effect(move || {
            if let (Some(map), Some(svg)) = (map_ref.cast::<Element>(), svg_ref.cast::<Element>()) {
                flow::draw(&svg, &map, &marks, lang);
            }
        });
    }
    {
        // And again whenever the map changes size (a panel collapsed or resized, the window).
        let map_ref = map_ref.clone();
        let svg_ref = svg_ref.clone();
        use_effect_with((props.collapsed, lang), move |_| {
            let redraw = {
                let map_ref = map_ref.clone();
                Closure::<dyn FnMut()>::new(move || {
                    if let (Some(map), Some(svg)) =
                        (map_ref.cast::<Element>(), svg_ref.cast::<Element>())
                    {
                        flow::draw(&svg, &map, &current_marks.borrow(), lang);
                    }
                })
            };
            let observer = ResizeObserver::new(redraw.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(map)) = (&observer, map_ref.cast::<Element>()) {
                observer.observe(&map);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(redraw);
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let view = &props.view;
    let total_pods: usize =
        view.nodes.iter().map(|n| n.pods.len()).sum::<usize>() + view.unscheduled.len();
    let compact = total_pods > COMPACT_ABOVE;
    let (control, workers): (Vec<_>, Vec<_>) = view.nodes.iter().partition(|n| is_control_plane(n));
    let selected_pod = match &props.inspecting {
        Some(Target::Pod { namespace, name }) => Some((namespace.clone(), name.clone())),
        _ => None,
    };
    let selected_node = match &props.inspecting {
        Some(Target::Node { name }) => Some(name.clone()),
        _ => None,
    };
    let card = |node: &&kubeplay_engine::NodeView| {
        html! {
            <NodeCard key={node.name.clone()} node={(*node).clone()} marks={marks.clone()} {compact}
                      selected_pod={selected_pod.clone()}
                      selected={selected_node.as_deref() == Some(node.name.as_str())} />
        }
    };
    let next_index = workers
        .iter()
        .filter_map(|n| n.name.strip_prefix("node-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let next_node = format!("node-{next_index}");
    let add_node = {
        let cmd = format!("sim node add {next_node}");
        ctx.on_click(move || Action::RunButton(cmd.clone()))
    };

    let deployments = view.deployments.iter().map(|d| {
        let target = Target::Object {
            resource: "deployment".into(),
            namespace: Some(d.namespace.clone()),
            name: d.name.clone(),
        };
        let on_open = ctx.on_click(move || Action::Inspect(target.clone()));
        html! {
            <li class="workload" data-deployment={d.name.clone()} key={format!("{}/{}", d.namespace, d.name)}>
                <button class="workload-name" onclick={on_open}
                        title={ctx.lang.pick(format!("Deployment {} 살펴보기", d.name), format!("Inspect deployment {}", d.name))}>
                    <span class="kind-tag">{ "deploy" }</span>{ &d.name }
                </button>
                <span class="workload-status">
                    { ctx.lang.pick(
                        format!("준비 {}/{} · 최신 {} · 리비전 {}", d.ready, d.replicas, d.updated, if d.revision.is_empty() { "-" } else { &d.revision }),
                        format!("ready {}/{} · updated {} · revision {}", d.ready, d.replicas, d.updated, if d.revision.is_empty() { "-" } else { &d.revision })) }
                </span>
                <ul class="replicasets">
                    { for d.replica_sets.iter().map(|rs| {
                        let target = Target::Object { resource: "replicaset".into(), namespace: Some(d.namespace.clone()), name: rs.name.clone() };
                        let on_open = ctx.on_click(move || Action::Inspect(target.clone()));
                        let boxes = (0..rs.replicas.max(rs.ready).clamp(0, 30)).map(|i| {
                            html! { <span class={classes!("rs-box", (i < rs.ready).then_some("ready"))}></span> }
                        });
                        html! {
                            <li class={classes!("replicaset", (rs.replicas == 0).then_some("scaled-down"))} key={rs.name.clone()}>
                                <button class="rs-name" onclick={on_open}
                                        title={ctx.lang.pick(format!("ReplicaSet {} 살펴보기", rs.name), format!("Inspect replicaset {}", rs.name))}>
                                    <span class="kind-tag">{ "rs" }</span>{ &rs.name }
                                </button>
                                <span class="rs-rev">{ ctx.lang.pick(format!("리비전 {}", rs.revision), format!("rev {}", rs.revision)) }</span>
                                <span class="rs-image">{ &rs.image }</span>
                                <span class="rs-boxes" aria-label={format!("{}/{}", rs.ready, rs.replicas)}>{ for boxes }</span>
                                <span class="rs-count">{ format!("{}/{}", rs.ready, rs.replicas) }</span>
                            </li>
                        }
                    }) }
                </ul>
                <RolloutChart deployment={d.name.clone()} replica_sets={d.replica_sets.clone()} now_ms={view.time_ms} />
            </li>
        }
    });

    html! {
        <section id="cluster" class={classes!("panel", "cluster-panel", props.collapsed.then_some("collapsed"))}
                 aria-label={ctx.t("클러스터 지도", "Cluster map")}>
            <header class="panel-head">
                { collapse_button(&ctx, "cluster", props.collapsed, ctx.t("클러스터", "cluster")) }
                <h2>{ ctx.t("클러스터", "Cluster") }</h2>
                if !props.collapsed {
                    <span class="head-actions left">
                        <button id="add-node" class="btn small" onclick={add_node}
                                title={format!("sim node add {next_node}")}>
                            { ctx.t("+ 노드 추가", "+ Add node") }
                        </button>
                        <button id="open-etcd" class="btn small" onclick={ctx.on_click(|| Action::Inspect(Target::Etcd))}
                                title={ctx.t("etcd에 저장된 키와 리비전 보기", "Browse etcd's keys and revisions")}>
                            { ctx.t("etcd 보기", "Browse etcd") }
                        </button>
                    </span>
                    <span class="legend" aria-hidden="true">
                        <span class="tone-ok">{ ctx.t("실행 중", "Running") }</span>
                        <span class="tone-wait">{ ctx.t("대기/생성 중", "Pending") }</span>
                        <span class="tone-bad">{ ctx.t("실패", "Failing") }</span>
                        <span class="tone-gone">{ ctx.t("종료 중", "Terminating") }</span>
                        <span class="legend-arrow write">{ ctx.t("쓰기", "write") }</span>
                        <span class="legend-arrow watch">{ ctx.t("watch로 깨움", "watch wake") }</span>
                    </span>
                }
            </header>
            if !props.collapsed {
                <div class="map" ref={map_ref}>
                    <svg class="flow-overlay" ref={svg_ref} aria-hidden="true"></svg>
                    <div class="map-top">
                        <div class={classes!("you", marks.state_of("kubectl"))} data-agent-id="kubectl"
                             title={ctx.t("여러분의 kubectl 명령", "your kubectl commands")}>
                            <span class="you-icon" aria-hidden="true">{ "⌨" }</span>
                            <span>{ ctx.t("나 (kubectl)", "you (kubectl)") }</span>
                        </div>
                        <div class="control-nodes">{ for control.iter().map(card) }</div>
                    </div>
                    <div class="nodes">{ for workers.iter().map(card) }</div>
                    <div id="unscheduled" class={classes!("unscheduled", (!view.unscheduled.is_empty()).then_some("has-pods"))}>
                        <div class="unscheduled-head">
                            <span class="unscheduled-title">{ ctx.t("아직 배치되지 않은 파드", "Not yet scheduled") }</span>
                            <span class="unscheduled-help">{ ctx.t("스케줄러가 아직 노드를 정하지 않은 파드", "pods the scheduler has not placed on a node") }</span>
                        </div>
                        if view.unscheduled.is_empty() {
                            <div class="no-pods">{ ctx.t("없음", "none") }</div>
                        } else {
                            <ul class="pods">
                                { for view.unscheduled.iter().map(|pod| {
                                    let selected = selected_pod.as_ref().is_some_and(|(ns, n)| *ns == pod.namespace && *n == pod.name);
                                    html! { <PodChip key={format!("{}/{}", pod.namespace, pod.name)} pod={pod.clone()} {selected} /> }
                                }) }
                            </ul>
                        }
                    </div>
                    if !view.deployments.is_empty() {
                        <div id="workloads" class="workloads">
                            <div class="workloads-head">{ ctx.t("Deployment와 ReplicaSet (롤아웃)", "Deployments and their ReplicaSets (rollouts)") }</div>
                            <ul class="workload-list">{ for deployments }</ul>
                        </div>
                    }
                    if !view.services.is_empty() {
                        <ServiceMap services={view.services.clone()} />
                    }
                </div>
                { flow_caption(&ctx, props.flow.as_ref(), props.selected.is_some()) }
            }
        </section>
    }
}
