//! Services as a picture: each Service (its cluster IP, ports and DNS
//! name) → the endpoints its EndpointSlices list → the pods behind them.
//! A ready endpoint is in kube-proxy's rules; one that is not ready is
//! listed but left out, which is what readiness probes are for. The numbers come from
//! the engine (`ClusterView::services`).

use kubeplay_engine::view::ServiceView;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::inspect::Target;
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct ServiceMapProps {
    pub services: Vec<ServiceView>,
}

#[function_component(ServiceMap)]
pub fn service_map(props: &ServiceMapProps) -> Html {
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let rows = props.services.iter().map(|svc| {
        let target = Target::Object {
            resource: "service".into(),
            namespace: Some(svc.namespace.clone()),
            name: svc.name.clone(),
        };
        let on_open = ctx.on_click(move || Action::Inspect(target.clone()));
        let ready = svc.ready_count;
        let address = if svc.service_type == "ExternalName" {
            ctx.t("외부 이름(별칭)", "external name (an alias)").to_string()
        } else if svc.cluster_ip == "None" {
            ctx.t("헤드리스: DNS가 파드 주소를 직접 알려 줌", "headless: DNS answers with the pods' addresses").to_string()
        } else {
            format!("{} {}", svc.cluster_ip, svc.ports)
        };
        let empty_note = if svc.selector.is_empty() {
            ctx.t("셀렉터 없음: 엔드포인트를 다른 누군가가 씁니다", "no selector: someone else writes its endpoints")
        } else {
            ctx.t("셀렉터에 맞는 파드가 없습니다", "no pod matches its selector")
        };
        // The engine sends the first few; the rest are counted.
        let hidden = svc.endpoint_count.saturating_sub(svc.endpoints.len());
        let endpoints = svc.endpoints.iter().map(|e| {
            let state = if e.terminating {
                "terminating"
            } else if e.ready {
                "ready"
            } else {
                "not-ready"
            };
            let state_text = match state {
                "ready" => ctx.t("준비됨: kube-proxy 규칙에 들어 있음", "ready: in kube-proxy's rules"),
                "terminating" => ctx.t("종료 중: kube-proxy 규칙에서 빠짐", "terminating: left out of kube-proxy's rules"),
                _ => ctx.t("준비 안 됨: kube-proxy 규칙에서 빠짐", "not ready: left out of kube-proxy's rules"),
            };
            let pod = e.pod.clone().map(|pod| {
                let target = Target::Pod { namespace: svc.namespace.clone(), name: pod.clone() };
                let on_pod = ctx.on_click(move || Action::Inspect(target.clone()));
                html! {
                    <button class="obj-link ep-pod" onclick={on_pod}
                            title={ctx.lang.pick(format!("파드 {pod} 살펴보기"), format!("Inspect pod {pod}"))}>
                        <span class="kind-tag">{ "pod" }</span>{ pod.clone() }
                    </button>
                }
            });
            let address = if e.ports.is_empty() { e.address.clone() } else { format!("{}:{}", e.address, e.ports) };
            html! {
                <li class={classes!("endpoint", state)} data-address={e.address.clone()} title={state_text}>
                    <span class="ep-dot" aria-hidden="true"></span>
                    <span class="ep-address">{ address }</span>
                    <span class="ep-arrow" aria-hidden="true">{ "→" }</span>
                    { pod.unwrap_or_else(|| {
                // The `kubernetes` Service's endpoint is the API server itself.
                let what = if svc.namespace == "default" && svc.name == "kubernetes" {
                    ctx.t("API 서버", "the API server")
                } else {
                    ctx.t("파드가 아닌 주소", "an address that is not a pod")
                };
                html! { <span class="muted">{ what }</span> }
            }) }
                    if let Some(host) = &e.hostname {
                        <span class="ep-host">{ format!("{host}.{}", svc.name) }</span>
                    }
                    <span class="sr-only">{ state_text }</span>
                </li>
            }
        });
        html! {
            <li class="service" data-service={svc.name.clone()} key={format!("{}/{}", svc.namespace, svc.name)}>
                <div class="svc-head">
                    <button class="workload-name" onclick={on_open}
                            title={ctx.lang.pick(format!("Service {} 살펴보기", svc.name), format!("Inspect service {}", svc.name))}>
                        <span class="kind-tag">{ "svc" }</span>{ &svc.name }
                    </button>
                    <span class="svc-type">{ &svc.service_type }</span>
                    <span class="svc-address">{ address }</span>
                    <span class="svc-count">
                        { ctx.lang.pick(format!("준비된 엔드포인트 {ready}/{}", svc.endpoint_count),
                                        format!("{ready}/{} endpoints ready", svc.endpoint_count)) }
                    </span>
                </div>
                <div class="svc-dns" title={ctx.t("클러스터 DNS가 답하는 이름", "the name cluster DNS answers")}>{ &svc.dns_name }</div>
                if svc.endpoints.is_empty() {
                    if svc.service_type != "ExternalName" {
                        <div class="svc-empty muted">{ empty_note }</div>
                    }
                } else {
                    <ul class="endpoints">
                        { for endpoints }
                        if hidden > 0 {
                            <li class="endpoint more muted">
                                { ctx.lang.pick(
                                    format!("외 {hidden}개 (kubectl get endpointslices -l kubernetes.io/service-name={})", svc.name),
                                    format!("and {hidden} more (kubectl get endpointslices -l kubernetes.io/service-name={})", svc.name)) }
                            </li>
                        }
                    </ul>
                }
            </li>
        }
    });
    html! {
        <div id="services" class="workloads services">
            <div class="workloads-head">{ ctx.t("Service → 엔드포인트 → 파드", "Services → endpoints → pods") }</div>
            <ul class="workload-list">{ for rows }</ul>
        </div>
    }
}
