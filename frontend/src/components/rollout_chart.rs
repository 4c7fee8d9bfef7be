//! A Deployment's rollout as a picture: each ReplicaSet's ready pods (solid)
//! and desired pods (dashed) over virtual time, newest revision in the brand
//! colour. The numbers come from the engine (`ReplicaSetView::history`).

use kubeplay_engine::view::ReplicaSetView;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::format;

#[derive(Properties, PartialEq)]
pub struct RolloutChartProps {
    pub deployment: String,
    /// Newest revision first, as the cluster map lists them.
    pub replica_sets: Vec<ReplicaSetView>,
    pub now_ms: u64,
}

/// A ReplicaSet with its (time, ready) and (time, desired) points.
type Series<'a> = (&'a ReplicaSetView, Vec<(u64, i32)>, Vec<(u64, i32)>);

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 86.0;
const LEFT: f64 = 22.0;
const TOP: f64 = 6.0;
const BOTTOM: f64 = 16.0;

/// A step line through `(time, value)` points, held until `end`.
fn step_path(
    points: &[(u64, i32)],
    end: u64,
    x: impl Fn(u64) -> f64,
    y: impl Fn(i32) -> f64,
) -> String {
    let mut path = String::new();
    for (i, (t, v)) in points.iter().enumerate() {
        if i == 0 {
            path.push_str(&format!("M{:.1},{:.1}", x(*t), y(*v)));
        } else {
            path.push_str(&format!("H{:.1}V{:.1}", x(*t), y(*v)));
        }
    }
    if !points.is_empty() {
        path.push_str(&format!("H{:.1}", x(end)));
    }
    path
}

/// The points from `start` on; the value held at `start` becomes its first point.
fn from(start: u64, points: impl Iterator<Item = (u64, i32)>) -> Vec<(u64, i32)> {
    let mut out: Vec<(u64, i32)> = Vec::new();
    for (t, v) in points {
        if t <= start {
            out.clear();
            out.push((start, v));
        } else {
            out.push((t, v));
        }
    }
    out
}

#[function_component(RolloutChart)]
pub fn rollout_chart(props: &RolloutChartProps) -> Html {
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let with_history: Vec<&ReplicaSetView> = props
        .replica_sets
        .iter()
        .filter(|rs| !rs.history.is_empty())
        .collect();
    let first = with_history
        .iter()
        .filter_map(|rs| rs.history.first().map(|p| p.time_ms))
        .min();
    let Some(first) = first.filter(|s| *s < props.now_ms) else {
        return html! {};
    };
    let end = props.now_ms;
    // During and after a rollout, the picture starts a little before the newest
    // ReplicaSet appeared, so the handover fills it rather than a sliver.
    let start = match with_history.as_slice() {
        [newest, _, ..] => {
            let appeared = newest.history.first().map_or(first, |p| p.time_ms);
            let lead = ((end - appeared) / 4).max(1000);
            appeared.saturating_sub(lead).max(first)
        }
        _ => first,
    };
    let series: Vec<Series> = with_history
        .iter()
        .map(|rs| {
            let ready = from(start, rs.history.iter().map(|p| (p.time_ms, p.ready)));
            let desired = from(start, rs.history.iter().map(|p| (p.time_ms, p.replicas)));
            (*rs, ready, desired)
        })
        .collect();
    let top = series
        .iter()
        .flat_map(|(_, ready, desired)| ready.iter().chain(desired).map(|(_, v)| *v))
        .max()
        .unwrap_or(1)
        .max(1);
    let plot_w = WIDTH - LEFT - 4.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |t: u64| LEFT + (t.saturating_sub(start)) as f64 / (end - start) as f64 * plot_w;
    let y = |v: i32| TOP + plot_h - f64::from(v.max(0)) / f64::from(top) * plot_h;
    let lines = series
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (rs, ready, desired))| {
            let tone = if i == 0 { "newest" } else { "older" };
            html! {
                <g class={classes!("rc-series", tone)} data-replicaset={rs.name.clone()}>
                    <path class="rc-desired" d={step_path(desired, end, x, y)} />
                    <path class="rc-ready" d={step_path(ready, end, x, y)} />
                </g>
            }
        });
    let summary = ctx.lang.pick(
        format!(
            "{}의 롤아웃: 레플리카셋별 준비된 파드(실선)와 원하는 파드(점선), {}부터 {}까지",
            props.deployment,
            format::clock(start),
            format::clock(end)
        ),
        format!(
            "Rollout of {}: ready pods (solid) and desired pods (dashed) of each ReplicaSet, {} to {}",
            props.deployment,
            format::clock(start),
            format::clock(end)
        ),
    );
    html! {
        <figure class="rollout-chart" data-deployment={props.deployment.clone()}>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label={summary.clone()}>
                <title>{ summary }</title>
                <line class="rc-axis" x1={LEFT.to_string()} y1={format!("{:.1}", y(0))} x2={(WIDTH - 4.0).to_string()} y2={format!("{:.1}", y(0))} />
                <line class="rc-grid" x1={LEFT.to_string()} y1={format!("{:.1}", y(top))} x2={(WIDTH - 4.0).to_string()} y2={format!("{:.1}", y(top))} />
                <text class="rc-tick" x={(LEFT - 4.0).to_string()} y={format!("{:.1}", y(top) + 4.0)} text-anchor="end">{ top }</text>
                <text class="rc-tick" x={(LEFT - 4.0).to_string()} y={format!("{:.1}", y(0) + 4.0)} text-anchor="end">{ "0" }</text>
                <text class="rc-tick" x={LEFT.to_string()} y={(HEIGHT - 3.0).to_string()}>{ format::clock(start) }</text>
                <text class="rc-tick" x={(WIDTH - 4.0).to_string()} y={(HEIGHT - 3.0).to_string()} text-anchor="end">{ format::clock(end) }</text>
                { for lines }
            </svg>
            <figcaption class="rc-legend">
                { for with_history.iter().enumerate().map(|(i, rs)| html! {
                    <span class={classes!("rc-key", if i == 0 { "newest" } else { "older" })}>
                        { ctx.lang.pick(format!("리비전 {}", rs.revision), format!("rev {}", rs.revision)) }
                    </span>
                }) }
                <span class="rc-key-note">{ ctx.t("실선: 준비됨 · 점선: 원하는 수", "solid: ready · dashed: desired") }</span>
            </figcaption>
        </figure>
    }
}
