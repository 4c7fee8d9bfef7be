//! The inspector: a drawer over the right of the page showing one object as
//! stored, its story and Events, its owners and what it owns, the
//! scheduler's table for a pod, or etcd's keys and revisions. Each tab names
//! the command it stands for, and faults are a click away.

use std::rc::Rc;

use kubeplay_engine::view::ExplainView;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::components::{use_ctx, Ctx};
use crate::inspect::{EtcdBrowser, Inspector, ObjectName, Owners, Tab, Target};
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub inspector: Rc<Inspector>,
}

fn tab_label(ctx: &Ctx, tab: Tab) -> &'static str {
    match tab {
        Tab::Describe => ctx.t("이야기와 이벤트", "Story & events"),
        Tab::Yaml => ctx.t("저장된 객체", "As stored"),
        Tab::Owners => ctx.t("소유 관계", "Owners"),
        Tab::Scheduling => ctx.t("스케줄링", "Scheduling"),
        Tab::Rules => ctx.t("kube-proxy 규칙", "kube-proxy rules"),
        Tab::Etcd => "etcd",
    }
}

fn object_button(ctx: &Ctx, o: &ObjectName) -> Html {
    let target = Target::from_kind(&o.kind, o.namespace.as_deref(), &o.name);
    let clickable = !o.name.starts_with('(');
    html! {
        <button class="obj-link" disabled={!clickable}
                onclick={ctx.on_click(move || Action::Inspect(target.clone()))}>
            <span class="kind-tag">{ &o.kind }</span>{ &o.name }
        </button>
    }
}

fn owners_view(ctx: &Ctx, target: &Target, owners: &Owners) -> Html {
    let this = ObjectName {
        kind: match target {
            Target::Pod { .. } => "Pod".into(),
            Target::Node { .. } => "Node".into(),
            Target::Object { resource, .. } => resource.clone(),
            Target::Etcd => String::new(),
        },
        namespace: target.namespace().map(str::to_string),
        name: target.name().to_string(),
    };
    html! {
        <div class="owners">
            if !matches!(target, Target::Node { .. }) {
                <h4>{ ctx.t("소유자 사슬 (ownerReferences의 controller)", "Owner chain (the controller in ownerReferences)") }</h4>
                <ol id="owner-chain" class="owner-chain">
                    <li class="this"><span class="kind-tag">{ &this.kind }</span>{ &this.name }</li>
                    { for owners.chain.iter().map(|o| html! { <li>{ object_button(ctx, o) }</li> }) }
                </ol>
                if owners.chain.is_empty() {
                    <p class="muted">{ ctx.t("소유자가 없습니다: 이 객체를 지워도 되살리는 컨트롤러가 없습니다.",
                                             "No owner: no controller recreates this object if it is deleted.") }</p>
                }
            }
            <h4>{ if matches!(target, Target::Node { .. }) { ctx.t("이 노드에 배치된 파드", "Pods bound to this node") }
                  else { ctx.t("이 객체가 소유한 것", "What it owns") } }</h4>
            if owners.owns.is_empty() {
                <p class="muted">{ ctx.t("없음", "Nothing.") }</p>
            } else {
                <ul id="owned" class="owned">{ for owners.owns.iter().map(|o| html! { <li>{ object_button(ctx, o) }</li> }) }</ul>
            }
            <p class="commands">{ ctx.t("직접 해 보기: ", "Try: ") }
                { for owners.commands.iter().map(|c| html! { <code>{ c }</code> }) }
            </p>
        </div>
    }
}

fn scheduling_view(ctx: &Ctx, explain: &Result<ExplainView, String>) -> Html {
    let view = match explain {
        Ok(v) => v,
        Err(e) => return html! { <pre class="term-stderr">{ e }</pre> },
    };
    let head = view.nodes.iter().map(|n| {
        let chosen = view.chosen.as_deref() == Some(n.node.as_str());
        html! { <th class={classes!(chosen.then_some("chosen"))} scope="col">{ &n.node }{ if chosen { " ★" } else { "" } }</th> }
    });
    let filter_rows = view.filter_plugins.iter().map(|plugin| {
        let cells = view.nodes.iter().map(|n| {
            match n.filters.iter().find(|f| &f.plugin == plugin) {
                Some(f) => {
                    let (class, mark) = match f.code.as_str() {
                        "Success" => ("pass", "✓"),
                        "Skip" => ("skip", "–"),
                        _ => ("fail", "✗"),
                    };
                    html! {
                        <td class={classes!("cell", class, f.first_failure.then_some("first"))} title={f.reason.clone()}>
                            <span aria-hidden="true">{ mark }</span>
                            if class == "fail" {
                                <span class="cell-reason">{ &f.reason }</span>
                            }
                            <span class="sr-only">{ format!("{} {}", f.code, f.reason) }</span>
                        </td>
                    }
                }
                None => html! { <td class="cell none">{ "" }</td> },
            }
        });
        html! { <tr><th scope="row" class="plugin">{ plugin }</th>{ for cells }</tr> }
    });
    let score_rows = view.score_plugins.iter().map(|plugin| {
        let cells = view.nodes.iter().map(|n| match n.scores.iter().find(|s| &s.plugin == plugin) {
            Some(s) => match s.raw {
                Some(raw) => html! {
                    <td class="cell score" title={ctx.lang.pick(
                        format!("원점수 {raw} → 정규화 {} × 가중치 {}", s.normalized, s.weight),
                        format!("raw {raw} → normalized {} × weight {}", s.normalized, s.weight))}>
                        { s.normalized * s.weight }
                        <span class="score-detail">{ format!("{}×{}", s.normalized, s.weight) }</span>
                    </td>
                },
                None => html! { <td class="cell skip" title="PreScore: Skip">{ "–" }</td> },
            },
            None => html! { <td class="cell none"></td> },
        });
        html! { <tr><th scope="row" class="plugin">{ plugin }</th>{ for cells }</tr> }
    });
    let totals = view.nodes.iter().map(|n| {
        let chosen = view.chosen.as_deref() == Some(n.node.as_str());
        html! { <td class={classes!("cell", "total", chosen.then_some("chosen"))}>{ n.total.map(|t| t.to_string()).unwrap_or_else(|| "–".into()) }</td> }
    });
    html! {
        <div class="scheduling">
            <p class="explain-note">
                if let Some(node) = &view.bound_to {
                    { ctx.lang.pick(
                        format!("이 파드는 {node}에 배치되어 있습니다. 아래는 지금 클러스터에서 파드를 {node}에서 뺀 채 다시 계산한 시도입니다."),
                        format!("The pod is bound to {node}. Below is the attempt recomputed now, with the pod taken off {node}.")) }
                } else {
                    { ctx.t("이 파드는 아직 배치되지 않았습니다. 아래는 지금 클러스터에서 다시 계산한 시도입니다.",
                            "The pod is not placed yet. Below is the attempt recomputed on the cluster now.") }
                }
            </p>
            if let Some((plugin, message)) = &view.pre_filter_rejection {
                <p class="decision fail">{ format!("PreFilter {plugin}: {message}") }</p>
            }
            <div class="table-wrap">
                <table id="explain-table" class="explain-table">
                    <thead><tr><th scope="col">{ ctx.t("필터 플러그인", "Filter plugin") }</th>{ for head }</tr></thead>
                    <tbody>{ for filter_rows }</tbody>
                    if !view.score_plugins.is_empty() {
                        <tbody class="scores">
                            <tr class="section"><th colspan={(view.nodes.len() + 1).to_string()}>{ ctx.t("점수 플러그인 (정규화 점수 × 가중치)", "Score plugins (normalized × weight)") }</th></tr>
                            { for score_rows }
                            <tr class="total-row"><th scope="row">{ ctx.t("합계", "total") }</th>{ for totals }</tr>
                        </tbody>
                    }
                </table>
            </div>
            if let Some(node) = &view.chosen {
                <p class="decision pass">{ ctx.lang.pick(
                    format!("선택: {node} (합계가 가장 높음; 같으면 이름순으로 첫 노드)"),
                    format!("Chosen: {node} (the highest total; ties go to the first node by name)")) }</p>
            }
            if let Some(message) = &view.message {
                <p class="decision fail">{ ctx.t("맞는 노드가 없습니다: ", "No node fits: ") }{ message }</p>
            }
        </div>
    }
}

fn etcd_view(ctx: &Ctx, etcd: &EtcdBrowser, filter: &str, on_filter: Callback<InputEvent>) -> Html {
    let keys = etcd.keys.iter().filter(|(k, _)| filter.is_empty() || k.contains(filter)).map(|(key, rev)| {
        let selected = etcd.key.as_deref() == Some(key.as_str());
        let k = key.clone();
        html! {
            <li key={key.clone()}>
                <button class={classes!("etcd-key", selected.then_some("selected"))} data-key={key.clone()}
                        onclick={ctx.on_click(move || Action::EtcdKey(k.clone(), None))}>
                    <span class="key-text">{ key }</span>
                    <span class="key-rev">{ format!("mod {rev}") }</span>
                </button>
            </li>
        }
    });
    html! {
        <div class="etcd">
            <p class="muted">{ &etcd.status }</p>
            <div class="etcd-grid">
                <div class="etcd-keys">
                    <input id="etcd-filter" type="search" placeholder={ctx.t("키 거르기 (예: pods)", "Filter keys (e.g. pods)")}
                           aria-label={ctx.t("키 거르기", "Filter keys")} value={filter.to_string()} oninput={on_filter} />
                    <ul class="key-list">{ for keys }</ul>
                </div>
                <div class="etcd-value">
                    if let Some(key) = &etcd.key {
                        <h4 class="etcd-key-name">{ key }</h4>
                        <div class="revisions" role="group" aria-label={ctx.t("리비전", "Revisions")}>
                            <span class="muted">{ ctx.t("리비전: ", "Revisions: ") }</span>
                            { for etcd.history.iter().map(|(rev, what)| {
                                let (k, r) = (key.clone(), *rev);
                                let selected = etcd.rev == Some(r);
                                html! {
                                    <button class={classes!("rev", selected.then_some("selected"), (what == "delete").then_some("deleted"))}
                                            title={what.clone()} data-rev={r.to_string()}
                                            onclick={ctx.on_click(move || Action::EtcdKey(k.clone(), Some(r)))}>{ r }</button>
                                }
                            }) }
                            <button class={classes!("rev", etcd.rev.is_none().then_some("selected"))}
                                    onclick={ctx.on_click({ let k = key.clone(); move || Action::EtcdKey(k.clone(), None) })}>
                                { ctx.t("현재", "now") }
                            </button>
                        </div>
                        <pre id="etcd-value" class="obj-text">{ &etcd.value }</pre>
                    } else {
                        <p class="muted">{ ctx.t("왼쪽에서 키를 고르면 저장된 값과 리비전 기록이 보입니다. 클러스터의 모든 상태가 이 키들에 들어 있습니다.",
                                                 "Pick a key to see its stored value and its revisions. All of the cluster's state lives in these keys.") }</p>
                    }
                </div>
            </div>
        </div>
    }
}

fn actions(ctx: &Ctx, target: &Target, exists: bool) -> Html {
    let button = |id: &'static str, label: &'static str, command: String, class: &'static str| {
        let cmd = command.clone();
        html! {
            <button id={id} class={classes!("btn", "small", class)} title={command}
                    onclick={ctx.on_click(move || Action::RunButton(cmd.clone()))}>{ label }</button>
        }
    };
    if !exists {
        return html! {};
    }
    match target {
        Target::Pod { namespace, name } => {
            let ns = if namespace == "default" {
                String::new()
            } else {
                format!(" -n {namespace}")
            };
            html! {
                <div class="inspector-actions">
                    { button("kill-pod", ctx.t("파드 죽이기", "Kill pod"), format!("kubectl delete pod {name}{ns}"), "danger") }
                </div>
            }
        }
        Target::Node { name } => html! {
            <div class="inspector-actions">
                { button("fail-node", ctx.t("노드 장애", "Fail node"), format!("sim node fail {name}"), "danger") }
                { button("recover-node", ctx.t("노드 복구", "Recover node"), format!("sim node recover {name}"), "") }
                { button("cordon-node", ctx.t("스케줄 금지", "Cordon"), format!("kubectl cordon {name}"), "") }
                { button("uncordon-node", ctx.t("스케줄 허용", "Uncordon"), format!("kubectl uncordon {name}"), "") }
                { button("drain-node", ctx.t("비우기", "Drain"), format!("kubectl drain {name} --ignore-daemonsets"), "") }
            </div>
        },
        Target::Object {
            resource,
            namespace,
            name,
        } => {
            let ns = namespace
                .as_deref()
                .map(|n| format!(" -n {n}"))
                .unwrap_or_default();
            html! {
                <div class="inspector-actions">
                    { button("delete-object", ctx.t("삭제", "Delete"), format!("kubectl delete {resource} {name}{ns}"), "danger") }
                </div>
            }
        }
        Target::Etcd => html! {},
    }
}

#[function_component(InspectorPanel)]
pub fn inspector_panel(props: &InspectorProps) -> Html {
    let filter = use_state(String::new);
    let panel_ref = use_node_ref();
    {
        // Focus moves into the drawer when it opens on a new object.
        let panel_ref = panel_ref.clone();
        use_effect_with(props.inspector.target.clone(), move |_| {
            if let Some(panel) = panel_ref.cast::<HtmlElement>() {
                let _ = panel.focus();
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let inspector = &props.inspector;
    let target = &inspector.target;
    let kind = match target {
        Target::Pod { .. } => "Pod".to_string(),
        Target::Node { .. } => "Node".to_string(),
        Target::Object { resource, .. } => resource.clone(),
        Target::Etcd => "etcd".to_string(),
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            filter.set(input.value());
        })
    };
    let tabs = target.tabs();
    let body = if !inspector.exists {
        html! {
            <p id="inspector-gone" class="gone">{ ctx.t(
                "이 객체는 지금 클러스터에 없습니다 (지워졌거나, 그보다 앞선 시점으로 되감았습니다).",
                "This object is not in the cluster now (deleted, or the timeline is before it existed).") }</p>
        }
    } else {
        match inspector.tab {
            Tab::Rules => match &inspector.output {
                Some(out) if out.success => html! {
                    <>
                        <p class="tab-help">{ ctx.t(
                            "kube-proxy가 노드마다 쓰는 nat 규칙입니다. 클러스터 IP로 가는 패킷은 KUBE-SERVICES에서 이 Service의 KUBE-SVC 체인으로 가고, 거기서 준비된 엔드포인트 하나가 무작위로 (1/n, 1/(n-1), …) 골라집니다. 각 KUBE-SEP 체인은 목적지를 그 파드의 주소로 바꿉니다 (DNAT).",
                            "The nat rules kube-proxy writes on every node. A packet to the cluster IP goes from KUBE-SERVICES to this Service's KUBE-SVC chain, which picks one ready endpoint at random (1/n, then 1/(n-1), …); each KUBE-SEP chain rewrites the destination to that pod (DNAT).") }</p>
                        <div class="obj-text rules-text">
                            // Words stay whole (`-j`, chain names); lines wrap between them.
                            { for out.stdout.lines().map(|line| html! {
                                <div class="rule">{ for line.split(' ').map(|w| html! { <><span class="w">{ w }</span>{ " " }</> }) }</div>
                            }) }
                        </div>
                    </>
                },
                Some(out) => html! { <pre class="obj-text term-stderr">{ &out.stderr }</pre> },
                None => html! {},
            },
            Tab::Describe | Tab::Yaml => match &inspector.output {
                Some(out) if out.success => html! { <pre class="obj-text">{ &out.stdout }</pre> },
                Some(out) => html! { <pre class="obj-text term-stderr">{ &out.stderr }</pre> },
                None => html! {},
            },
            Tab::Owners => inspector
                .owners
                .as_ref()
                .map(|o| owners_view(&ctx, target, o))
                .unwrap_or_default(),
            Tab::Scheduling => inspector
                .explain
                .as_ref()
                .map(|e| scheduling_view(&ctx, e))
                .unwrap_or_default(),
            Tab::Etcd => etcd_view(&ctx, &inspector.etcd, &filter, on_filter),
        }
    };
    html! {
        <aside id="inspector" class="inspector" ref={panel_ref} tabindex="-1"
               aria-label={ctx.t("살펴보기", "Inspector")} data-target={target.name().to_string()}>
            <header class="inspector-head">
                <span class="kind-tag">{ kind }</span>
                <h2 id="inspector-title">{ target.name() }</h2>
                if let Some(ns) = target.namespace() {
                    <span class="muted">{ ctx.lang.pick(format!("네임스페이스 {ns}"), format!("namespace {ns}")) }</span>
                }
                <button id="close-inspector" class="icon-btn" aria-label={ctx.t("닫기 (Esc)", "Close (Esc)")}
                        title={ctx.t("닫기 (Esc)", "Close (Esc)")}
                        onclick={ctx.on_click(|| Action::CloseInspector)}>{ "×" }</button>
            </header>
            { actions(&ctx, target, inspector.exists) }
            if tabs.len() > 1 {
                <div class="tabs" role="tablist">
                    { for tabs.into_iter().map(|tab| {
                        let active = tab == inspector.tab;
                        html! {
                            <button role="tab" aria-selected={active.to_string()} class={classes!("tab", active.then_some("active"))}
                                    data-tab={format!("{tab:?}").to_lowercase()}
                                    onclick={ctx.on_click(move || Action::InspectTab(tab))}>{ tab_label(&ctx, tab) }</button>
                        }
                    }) }
                </div>
            }
            if !inspector.command.is_empty() {
                <div class="inspector-command"><span class="muted">{ ctx.t("같은 명령: ", "Same as: ") }</span><code>{ &inspector.command }</code></div>
            }
            <div class="inspector-body" role="tabpanel">{ body }</div>
        </aside>
    }
}
