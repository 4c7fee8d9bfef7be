//! The inspector's data: an object as stored, its story, its owners and what
//! it owns, the scheduler's table for a pod, and etcd's keys and revisions.
//! Everything comes from the engine's read-only commands (`kubectl get -o`,
//! `kubectl describe`, `sim etcd ...`) and `Simulation::explain_pod`; each
//! tab shows the command it stands for.

use kubeplay_engine::view::ExplainView;
use kubeplay_engine::{CommandOutput, NoFiles, Simulation};
use serde_json::Value;

/// What the inspector looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Pod {
        namespace: String,
        name: String,
    },
    Node {
        name: String,
    },
    /// Any other object, by kubectl's resource name (`deployment`, `replicaset`).
    Object {
        resource: String,
        namespace: Option<String>,
        name: String,
    },
    Etcd,
}

impl Target {
    /// kubectl's resource name, or None for etcd.
    pub fn resource(&self) -> Option<&str> {
        match self {
            Target::Pod { .. } => Some("pod"),
            Target::Node { .. } => Some("node"),
            Target::Object { resource, .. } => Some(resource),
            Target::Etcd => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Target::Pod { name, .. } | Target::Node { name } | Target::Object { name, .. } => name,
            Target::Etcd => "etcd",
        }
    }

    pub fn namespace(&self) -> Option<&str> {
        match self {
            Target::Pod { namespace, .. } => Some(namespace),
            Target::Object { namespace, .. } => namespace.as_deref(),
            _ => None,
        }
    }

    /// `pod web-1 -n default`: the words after `kubectl get` / `describe`.
    fn args(&self) -> String {
        let mut args = format!("{} {}", self.resource().unwrap_or_default(), self.name());
        if let Some(ns) = self.namespace() {
            args.push_str(&format!(" -n {ns}"));
        }
        args
    }

    /// The tabs this target has, in order.
    pub fn tabs(&self) -> Vec<Tab> {
        match self {
            Target::Pod { .. } => vec![Tab::Describe, Tab::Yaml, Tab::Owners, Tab::Scheduling],
            Target::Node { .. } => vec![Tab::Describe, Tab::Yaml, Tab::Owners],
            Target::Object { resource, .. } if resource == "service" => {
                vec![Tab::Describe, Tab::Yaml, Tab::Owners, Tab::Rules]
            }
            Target::Object { .. } => vec![Tab::Describe, Tab::Yaml, Tab::Owners],
            Target::Etcd => vec![Tab::Etcd],
        }
    }

    /// From a kind as the API writes it (`ReplicaSet`) and a name.
    pub fn from_kind(kind: &str, namespace: Option<&str>, name: &str) -> Target {
        match kind {
            "Pod" => Target::Pod {
                namespace: namespace.unwrap_or("default").to_string(),
                name: name.to_string(),
            },
            "Node" => Target::Node {
                name: name.to_string(),
            },
            other => Target::Object {
                resource: other.to_ascii_lowercase(),
                namespace: namespace.map(str::to_string),
                name: name.to_string(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Describe,
    Yaml,
    Owners,
    Scheduling,
    /// A Service's kube-proxy rules on a node.
    Rules,
    Etcd,
}

/// An object named in an owner chain or a list of dependents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectName {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Owners {
    /// From the object's controller up to the top (the object itself not included).
    pub chain: Vec<ObjectName>,
    /// The objects whose controller this one is (for a node: the pods bound to it).
    pub owns: Vec<ObjectName>,
    /// The commands that answered, for the learner to try.
    pub commands: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EtcdBrowser {
    /// Every key with its mod revision.
    pub keys: Vec<(String, u64)>,
    pub key: Option<String>,
    /// The selected key's revisions, newest last, with what happened (`put`, `delete`).
    pub history: Vec<(u64, String)>,
    /// The revision shown (None: the current value).
    pub rev: Option<u64>,
    pub value: String,
    pub status: String,
}

/// The inspector's state: what it shows and the content of the open tab.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspector {
    pub target: Target,
    pub tab: Tab,
    /// False once the object is gone (deleted, or rewound to before it existed).
    pub exists: bool,
    /// The command the open tab stands for, and what it printed.
    pub command: String,
    pub output: Option<CommandOutput>,
    pub owners: Option<Owners>,
    pub explain: Option<Result<ExplainView, String>>,
    pub etcd: EtcdBrowser,
}

fn run(sim: &mut Simulation, line: &str) -> CommandOutput {
    sim.run_command(line, &NoFiles)
}

impl Inspector {
    pub fn open(target: Target, sim: &mut Simulation) -> Inspector {
        let tab = target.tabs().first().copied().unwrap_or(Tab::Describe);
        let mut inspector = Inspector {
            target,
            tab,
            exists: true,
            command: String::new(),
            output: None,
            owners: None,
            explain: None,
            etcd: EtcdBrowser::default(),
        };
        inspector.refresh(sim);
        inspector
    }

    pub fn set_tab(&mut self, tab: Tab, sim: &mut Simulation) {
        if self.target.tabs().contains(&tab) {
            self.tab = tab;
            self.refresh(sim);
        }
    }

    /// Reads the open tab's content again (after every action, so it stays live).
    pub fn refresh(&mut self, sim: &mut Simulation) {
        if self.target != Target::Etcd {
            let probe = run(sim, &format!("kubectl get {} -o name", self.target.args()));
            self.exists = probe.success;
        }
        self.output = None;
        self.owners = None;
        self.explain = None;
        match self.tab {
            Tab::Describe => {
                self.command = format!("kubectl describe {}", self.target.args());
                self.output = Some(run(sim, &self.command));
            }
            Tab::Yaml => {
                self.command = format!("kubectl get {} -o yaml", self.target.args());
                self.output = Some(run(sim, &self.command));
            }
            Tab::Owners => {
                self.command = String::new();
                self.owners = Some(owners(&self.target, sim));
            }
            Tab::Scheduling => {
                let (ns, name) = (
                    self.target.namespace().unwrap_or("default").to_string(),
                    self.target.name().to_string(),
                );
                self.command = format!("sim explain {name} -n {ns}");
                self.explain = Some(sim.explain_pod(&ns, &name));
            }
            Tab::Rules => {
                // kube-proxy writes the same rules on every node; show a worker's.
                let view = sim.view();
                let node = view
                    .nodes
                    .iter()
                    .map(|n| n.name.clone())
                    .find(|n| n != "control-plane")
                    .or_else(|| view.nodes.first().map(|n| n.name.clone()))
                    .unwrap_or_default();
                self.command = format!(
                    "sim iptables {node} {}/{}",
                    self.target.namespace().unwrap_or("default"),
                    self.target.name()
                );
                self.output = Some(run(sim, &self.command));
            }
            Tab::Etcd => self.refresh_etcd(sim),
        }
    }

    /// Shows a key (and its history) in the etcd browser, at a revision or now.
    pub fn select_key(&mut self, key: String, rev: Option<u64>, sim: &mut Simulation) {
        self.etcd.key = Some(key);
        self.etcd.rev = rev;
        self.refresh(sim);
    }

    fn refresh_etcd(&mut self, sim: &mut Simulation) {
        let status = run(sim, "sim etcd status");
        self.etcd.status = status.stdout.trim().to_string();
        let listing = run(sim, "sim etcd ls");
        self.etcd.keys = listing
            .stdout
            .lines()
            .filter_map(|line| {
                let (key, rest) = line.split_once("  (mod_revision ")?;
                let rev = rest.trim_end_matches(')').parse().ok()?;
                Some((key.to_string(), rev))
            })
            .collect();
        let Some(key) = self.etcd.key.clone() else {
            self.command = "sim etcd ls".into();
            self.etcd.history.clear();
            self.etcd.value.clear();
            return;
        };
        let history = run(sim, &format!("sim etcd history {key}"));
        self.etcd.history = history
            .stdout
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("revision ")?;
                let (rev, what) = rest.split_once(':')?;
                Some((rev.trim().parse().ok()?, what.trim().to_string()))
            })
            .collect();
        self.command = match self.etcd.rev {
            Some(rev) => format!("sim etcd get {key} --rev {rev}"),
            None => format!("sim etcd get {key}"),
        };
        let value = run(sim, &self.command);
        self.etcd.value = if value.success {
            value.stdout
        } else {
            value.stderr
        };
    }
}

fn list_json(sim: &mut Simulation, resource: &str, namespace: Option<&str>) -> Vec<Value> {
    let line = match namespace {
        Some(ns) => format!("kubectl get {resource} -n {ns} -o json"),
        None => format!("kubectl get {resource} -A -o json"),
    };
    let out = run(sim, &line);
    serde_json::from_str::<Value>(&out.stdout)
        .ok()
        .and_then(|v| v.get("items").and_then(Value::as_array).cloned())
        .unwrap_or_default()
}

fn object_name(item: &Value) -> Option<ObjectName> {
    Some(ObjectName {
        kind: item.get("kind")?.as_str()?.to_string(),
        namespace: item
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        name: item.pointer("/metadata/name")?.as_str()?.to_string(),
    })
}

fn controller_ref(item: &Value) -> Option<(String, String)> {
    item.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|o| {
            Some((
                o.get("kind")?.as_str()?.to_string(),
                o.get("uid")?.as_str()?.to_string(),
            ))
        })
        .or(None)
}

/// The kinds whose objects an object of `kind` may control.
fn dependent_resources(kind: &str) -> &'static [&'static str] {
    match kind {
        "Deployment" => &["replicasets"],
        "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" => &["pods"],
        "CronJob" => &["jobs"],
        "Service" => &["endpointslices"],
        _ => &[],
    }
}

fn owners(target: &Target, sim: &mut Simulation) -> Owners {
    let mut result = Owners::default();
    if let Target::Node { name } = target {
        result
            .commands
            .push(format!("kubectl describe node {name}"));
        result
            .commands
            .push("kubectl get pods -A -o wide".to_string());
        let view = sim.view();
        if let Some(node) = view.nodes.iter().find(|n| &n.name == name) {
            result.owns = node
                .pods
                .iter()
                .map(|p| ObjectName {
                    kind: "Pod".into(),
                    namespace: Some(p.namespace.clone()),
                    name: p.name.clone(),
                })
                .collect();
        }
        return result;
    }
    let Some(resource) = target.resource() else {
        return result;
    };
    let ns = target.namespace().map(str::to_string);
    let get = |sim: &mut Simulation, resource: &str, name: &str| -> Option<Value> {
        let mut line = format!("kubectl get {resource} {name} -o json");
        if let Some(ns) = &ns {
            line.push_str(&format!(" -n {ns}"));
        }
        let out = run(sim, &line);
        serde_json::from_str::<Value>(&out.stdout).ok()
    };
    let Some(object) = get(sim, resource, target.name()) else {
        return result;
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let uid = object
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    result
        .commands
        .push(format!("kubectl get {} -o yaml", target.args()));

    // Up the chain: each controller, by the uid the reference names.
    let mut current = object;
    for _ in 0..8 {
        let Some((owner_kind, owner_uid)) = controller_ref(&current) else {
            break;
        };
        let resource = owner_kind.to_ascii_lowercase();
        let found = list_json(sim, &resource, ns.as_deref())
            .into_iter()
            .find(|item| item.pointer("/metadata/uid").and_then(Value::as_str) == Some(&owner_uid));
        match found {
            Some(owner) => {
                if let Some(name) = object_name(&owner) {
                    result.chain.push(name);
                }
                current = owner;
            }
            None => {
                result.chain.push(ObjectName {
                    kind: owner_kind,
                    namespace: ns.clone(),
                    name: format!("(gone, uid {owner_uid})"),
                });
                break;
            }
        }
    }

    // Down: what names this object as its controller.
    for resource in dependent_resources(&kind) {
        result.commands.push(format!(
            "kubectl get {resource} -n {}",
            ns.as_deref().unwrap_or("default")
        ));
        for item in list_json(sim, resource, ns.as_deref()) {
            if controller_ref(&item).is_some_and(|(_, owner)| owner == uid) {
                if let Some(name) = object_name(&item) {
                    result.owns.push(name);
                }
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::samples::SAMPLE_DEPLOYMENT;
    use kubeplay_engine::{SimConfig, SimDuration};

    fn cluster() -> Simulation {
        let mut sim = Simulation::new(SimConfig::default());
        sim.apply_yaml("web.yaml", SAMPLE_DEPLOYMENT).unwrap();
        sim.advance(SimDuration::from_secs(30));
        sim
    }

    #[test]
    fn a_pod_has_its_story_owners_and_scheduling() {
        let mut sim = cluster();
        let pod = sim
            .view()
            .nodes
            .iter()
            .flat_map(|n| n.pods.clone())
            .next()
            .unwrap();
        let target = Target::Pod {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
        };
        let mut inspector = Inspector::open(target, &mut sim);
        assert!(inspector.exists);
        assert_eq!(inspector.tab, Tab::Describe);
        let out = inspector.output.clone().unwrap();
        assert!(out.stdout.contains("Events:"), "{}", out.stdout);
        inspector.set_tab(Tab::Yaml, &mut sim);
        assert!(inspector
            .output
            .as_ref()
            .unwrap()
            .stdout
            .contains("kind: Pod"));
        inspector.set_tab(Tab::Owners, &mut sim);
        let owners = inspector.owners.clone().unwrap();
        let kinds: Vec<&str> = owners.chain.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, ["ReplicaSet", "Deployment"]);
        assert_eq!(owners.chain[1].name, "web");
        inspector.set_tab(Tab::Scheduling, &mut sim);
        let explain = inspector.explain.clone().unwrap().unwrap();
        assert_eq!(explain.bound_to, pod.node);
        // Deleted: the inspector says so instead of failing.
        sim.run_command(
            &format!("kubectl delete pod {} --grace-period=0", pod.name),
            &NoFiles,
        );
        sim.advance(SimDuration::from_secs(1));
        inspector.refresh(&mut sim);
        assert!(!inspector.exists);
    }

    #[test]
    fn a_deployment_owns_replicasets_and_a_node_its_pods() {
        let mut sim = cluster();
        let target = Target::Object {
            resource: "deployment".into(),
            namespace: Some("default".into()),
            name: "web".into(),
        };
        let mut inspector = Inspector::open(target, &mut sim);
        inspector.set_tab(Tab::Owners, &mut sim);
        let owners = inspector.owners.clone().unwrap();
        assert!(owners.chain.is_empty());
        assert_eq!(owners.owns.len(), 1);
        assert_eq!(owners.owns[0].kind, "ReplicaSet");
        let mut node = Inspector::open(
            Target::Node {
                name: "node-1".into(),
            },
            &mut sim,
        );
        assert!(node
            .output
            .as_ref()
            .unwrap()
            .stdout
            .contains("Allocated resources"));
        node.set_tab(Tab::Owners, &mut sim);
        assert_eq!(node.owners.as_ref().unwrap().owns.len(), 1);
    }

    #[test]
    fn etcd_browser_lists_keys_history_and_old_values() {
        let mut sim = cluster();
        let mut etcd = Inspector::open(Target::Etcd, &mut sim);
        assert!(etcd
            .etcd
            .keys
            .iter()
            .any(|(k, _)| k == "/registry/deployments/default/web"));
        etcd.select_key("/registry/deployments/default/web".into(), None, &mut sim);
        assert!(etcd.etcd.history.len() >= 2, "{:?}", etcd.etcd.history);
        assert!(etcd.etcd.value.contains("web"), "{}", etcd.etcd.value);
        let first = etcd.etcd.history[0].0;
        etcd.select_key(
            "/registry/deployments/default/web".into(),
            Some(first),
            &mut sim,
        );
        assert_eq!(
            etcd.command,
            format!("sim etcd get /registry/deployments/default/web --rev {first}")
        );
        assert!(!etcd.etcd.value.is_empty());
    }
}
