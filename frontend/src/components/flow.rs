//! The flow of one step on the cluster map: who acted, what it wrote
//! through the API server (into etcd), and whom the watch events of those
//! writes woke — arrows between the agents' chips.

use kubeplay_engine::StepRecord;

use crate::i18n::Lang;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Which agents to light up for a step, by agent id (`kube-scheduler`, `kubelet/node-1`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowMarks {
    pub actor: Option<String>,
    pub woken: Vec<String>,
    pub writes: usize,
}

/// The map's agent for a component name in the step log.
pub fn agent_of(component: &str) -> Option<String> {
    let component = component.split(" (").next().unwrap_or(component).trim();
    if component == "kubectl" {
        return Some("kubectl".into());
    }
    if matches!(
        component,
        "default-scheduler" | "scheduler" | "kube-scheduler"
    ) {
        return Some("kube-scheduler".into());
    }
    if component.starts_with("kubelet/") || component.starts_with("kube-proxy/") {
        return Some(component.to_string());
    }
    if component.ends_with("-controller")
        || component == "controller-manager"
        || component == "kube-controller-manager"
        || component == "storage-provisioner"
    {
        return Some("kube-controller-manager".into());
    }
    if matches!(component, "apiserver" | "kube-apiserver") {
        return Some("kube-apiserver".into());
    }
    None
}

impl FlowMarks {
    pub fn from_step(step: Option<&StepRecord>) -> FlowMarks {
        let Some(step) = step else {
            return FlowMarks::default();
        };
        let mut woken: Vec<String> = Vec::new();
        for w in &step.woke {
            if let Some(agent) = agent_of(w) {
                if !woken.contains(&agent) {
                    woken.push(agent);
                }
            }
        }
        FlowMarks {
            actor: agent_of(&step.component),
            woken,
            writes: step.writes.len(),
        }
    }

    /// The class an agent's chip gets: `active`, `woken` or `touched` (API server and etcd on a write).
    pub fn state_of(&self, id: &str) -> Option<&'static str> {
        if self.actor.as_deref() == Some(id) {
            Some("active")
        } else if self.woken.iter().any(|w| w == id) {
            Some("woken")
        } else if self.writes > 0 && (id == "kube-apiserver" || id == "etcd") {
            Some("touched")
        } else {
            None
        }
    }

    /// The arrows to draw: (from, to, class, label).
    pub fn arrows(&self, lang: Lang) -> Vec<(String, String, &'static str, String)> {
        let mut arrows = Vec::new();
        let Some(actor) = &self.actor else {
            return arrows;
        };
        if self.writes > 0 {
            if actor != "kube-apiserver" {
                arrows.push((
                    actor.clone(),
                    "kube-apiserver".to_string(),
                    "flow-write",
                    lang.pick(
                        format!("쓰기 {}", self.writes),
                        format!(
                            "{} write{}",
                            self.writes,
                            if self.writes == 1 { "" } else { "s" }
                        ),
                    ),
                ));
            }
            arrows.push((
                "kube-apiserver".to_string(),
                "etcd".to_string(),
                "flow-store",
                String::new(),
            ));
        }
        for w in &self.woken {
            arrows.push((
                "kube-apiserver".to_string(),
                w.clone(),
                "flow-watch",
                "watch".to_string(),
            ));
        }
        arrows
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Box {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Box {
    fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Where the segment from the centre toward `(tx, ty)` leaves the box.
    fn edge_toward(&self, tx: f64, ty: f64) -> (f64, f64) {
        let (cx, cy) = self.center();
        let (dx, dy) = (tx - cx, ty - cy);
        if dx == 0.0 && dy == 0.0 {
            return (cx, cy);
        }
        let sx = if dx != 0.0 {
            (self.w / 2.0) / dx.abs()
        } else {
            f64::INFINITY
        };
        let sy = if dy != 0.0 {
            (self.h / 2.0) / dy.abs()
        } else {
            f64::INFINITY
        };
        let s = sx.min(sy).min(1.0);
        (cx + dx * s, cy + dy * s)
    }
}

fn box_of(el: &Element, origin: &Element) -> Box {
    let r = el.get_bounding_client_rect();
    let o = origin.get_bounding_client_rect();
    let (sl, st) = origin
        .dyn_ref::<HtmlElement>()
        .map(|h| (f64::from(h.scroll_left()), f64::from(h.scroll_top())))
        .unwrap_or((0.0, 0.0));
    Box {
        x: r.left() - o.left() + sl,
        y: r.top() - o.top() + st,
        w: r.width(),
        h: r.height(),
    }
}

/// The SVG markup of the arrows, given where each agent's chip is.
fn markup(
    arrows: &[(String, String, &'static str, String)],
    find: impl Fn(&str) -> Option<Box>,
) -> String {
    let mut out = String::from(
        "<defs>\
         <marker id=\"ah-write\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" class=\"ah-write\"/></marker>\
         <marker id=\"ah-store\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" class=\"ah-store\"/></marker>\
         <marker id=\"ah-watch\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" class=\"ah-watch\"/></marker>\
         </defs>",
    );
    for (i, (from, to, class, label)) in arrows.iter().enumerate() {
        let (Some(a), Some(b)) = (find(from), find(to)) else {
            continue;
        };
        let (bx, by) = b.center();
        let (ax, ay) = a.center();
        let (x1, y1) = a.edge_toward(bx, by);
        let (x2, y2) = b.edge_toward(ax, ay);
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Bow the arrows a little (alternating sides) so parallel ones stay apart.
        let bow = (len * 0.18).min(60.0) * if i % 2 == 0 { 1.0 } else { -1.0 };
        let (cx, cy) = (
            (x1 + x2) / 2.0 - dy / len * bow,
            (y1 + y2) / 2.0 + dx / len * bow,
        );
        let marker = match *class {
            "flow-write" => "ah-write",
            "flow-store" => "ah-store",
            _ => "ah-watch",
        };
        out.push_str(&format!(
            "<path class=\"flow-arrow {class}\" d=\"M{x1:.1},{y1:.1} Q{cx:.1},{cy:.1} {x2:.1},{y2:.1}\" marker-end=\"url(#{marker})\"/>"
        ));
        if !label.is_empty() && len > 90.0 {
            // The label sits at the curve's midpoint.
            let (mx, my) = (
                0.25 * x1 + 0.5 * cx + 0.25 * x2,
                0.25 * y1 + 0.5 * cy + 0.25 * y2,
            );
            out.push_str(&format!(
                "<text class=\"flow-label {class}\" x=\"{mx:.1}\" y=\"{my:.1}\" text-anchor=\"middle\" dy=\"-4\">{label}</text>"
            ));
        }
    }
    out
}

/// Draws the arrows into `svg`, placed over `container` (which holds the agents' chips).
pub fn draw(svg: &Element, container: &Element, marks: &FlowMarks, lang: Lang) {
    let arrows = marks.arrows(lang);
    let find = |id: &str| -> Option<Box> {
        let selector = format!("[data-agent-id=\"{id}\"]");
        container
            .query_selector(&selector)
            .ok()
            .flatten()
            .map(|el| box_of(&el, container))
    };
    let (w, h) = container
        .dyn_ref::<HtmlElement>()
        .map(|c| (c.scroll_width(), c.scroll_height()))
        .unwrap_or((0, 0));
    // Writing to the overlay invalidates the map's layout and paint, so only
    // what changed is written (most steps move no agent and redraw the same arrows).
    set_if_changed(svg, "width", &w.to_string());
    set_if_changed(svg, "height", &h.to_string());
    set_if_changed(svg, "viewBox", &format!("0 0 {w} {h}"));
    let drawn = markup(&arrows, find);
    let key = content_key(&drawn);
    if svg.get_attribute("data-drawn").as_deref() != Some(key.as_str()) {
        svg.set_inner_html(&drawn);
        let _ = svg.set_attribute("data-drawn", &key);
    }
}

fn set_if_changed(el: &Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}

/// A short fingerprint of the overlay's markup (FNV-1a), kept on the element.
fn content_key(markup: &str) -> String {
    format!("{:08x}", kubeplay_engine::rand::fnv32a(markup.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_map_to_agents() {
        assert_eq!(
            agent_of("default-scheduler").as_deref(),
            Some("kube-scheduler")
        );
        assert_eq!(
            agent_of("replicaset-controller (default/web-7d9f)").as_deref(),
            Some("kube-controller-manager")
        );
        assert_eq!(
            agent_of("node-lifecycle-controller").as_deref(),
            Some("kube-controller-manager")
        );
        assert_eq!(
            agent_of("kubelet/node-2 (default/web-1)").as_deref(),
            Some("kubelet/node-2")
        );
        assert_eq!(agent_of("kubectl").as_deref(), Some("kubectl"));
        assert_eq!(agent_of("somebody"), None);
    }

    #[test]
    fn a_step_becomes_arrows() {
        let step = StepRecord {
            id: 3,
            time_ms: 100,
            component: "replicaset-controller".into(),
            summary: "created 3 pod(s)".into(),
            writes: vec![kubeplay_engine::WriteRecord {
                verb: "create".into(),
                key: "/registry/pods/default/web-1".into(),
                revision: 20,
            }],
            caused_by: Some(2),
            woke: vec![
                "default-scheduler".into(),
                "replicaset-controller (default/web-7d9f)".into(),
            ],
        };
        let marks = FlowMarks::from_step(Some(&step));
        assert_eq!(marks.actor.as_deref(), Some("kube-controller-manager"));
        assert_eq!(
            marks.woken,
            vec![
                "kube-scheduler".to_string(),
                "kube-controller-manager".to_string()
            ]
        );
        assert_eq!(marks.state_of("kube-controller-manager"), Some("active"));
        assert_eq!(marks.state_of("kube-scheduler"), Some("woken"));
        assert_eq!(marks.state_of("etcd"), Some("touched"));
        let arrows = marks.arrows(Lang::En);
        let pairs: Vec<(&str, &str)> = arrows
            .iter()
            .map(|(a, b, _, _)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("kube-controller-manager", "kube-apiserver"),
                ("kube-apiserver", "etcd"),
                ("kube-apiserver", "kube-scheduler"),
                ("kube-apiserver", "kube-controller-manager"),
            ]
        );
        let svg = markup(&arrows, |_| {
            Some(Box {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            })
        });
        assert_eq!(svg.matches("<path class=\"flow-arrow").count(), 4);
    }

    #[test]
    fn edges() {
        let b = Box {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 20.0,
        };
        assert_eq!(b.edge_toward(200.0, 10.0), (100.0, 10.0));
        assert_eq!(b.edge_toward(50.0, 100.0), (50.0, 20.0));
    }
}
