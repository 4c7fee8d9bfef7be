//! Authentication and authorization. The terminal acts as a user — the
//! kubeadm admin by default, anyone with `kubectl --as` — and RBAC decides
//! every request it makes, from Roles, ClusterRoles and their bindings
//! (plugin/pkg/auth/authorizer/rbac). A denied request gets the API server's
//! own wording (endpoints/handlers/responsewriters.forbiddenMessage).

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject,
};

use super::errors::{ApiError, StatusReason};
use super::ApiServer;

/// Who makes a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

pub const ADMIN_USER: &str = "kubernetes-admin";

impl UserInfo {
    /// The user of kubeadm's admin.conf: in system:masters, bound to cluster-admin.
    pub fn admin() -> Self {
        UserInfo {
            name: ADMIN_USER.into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
        }
    }

    /// The identity `kubectl --as NAME [--as-group G]...` impersonates.
    pub fn impersonate(name: &str, groups: &[String]) -> Self {
        let mut all: Vec<String> = groups.to_vec();
        if let Some(rest) = name.strip_prefix("system:serviceaccount:") {
            if let Some((namespace, _)) = rest.split_once(':') {
                all.push("system:serviceaccounts".into());
                all.push(format!("system:serviceaccounts:{namespace}"));
            }
        }
        all.push("system:authenticated".into());
        all.dedup();
        UserInfo {
            name: name.to_string(),
            groups: all,
        }
    }
}

/// What a request wants to do (authorizer.Attributes for resource requests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Attributes {
    pub fn new(
        verb: &str,
        api_group: &str,
        resource: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Self {
        Attributes {
            verb: verb.into(),
            api_group: api_group.into(),
            resource: resource.into(),
            subresource: String::new(),
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
        }
    }
}

fn has(list: &[String], wanted: &str) -> bool {
    list.iter().any(|x| x == "*" || x == wanted)
}

/// RuleAllows.
fn rule_allows(rule: &PolicyRule, attrs: &Attributes) -> bool {
    let resource = if attrs.subresource.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}/{}", attrs.resource, attrs.subresource)
    };
    let resources = rule.resources.as_deref().unwrap_or(&[]);
    let resource_matches = resources.iter().any(|r| {
        r == "*"
            || *r == resource
            || (!attrs.subresource.is_empty() && *r == format!("*/{}", attrs.subresource))
    });
    let names = rule.resource_names.as_deref().unwrap_or(&[]);
    has(&rule.verbs, &attrs.verb)
        && has(rule.api_groups.as_deref().unwrap_or(&[]), &attrs.api_group)
        && resource_matches
        && (names.is_empty() || attrs.name.as_ref().is_some_and(|n| names.contains(n)))
}

/// appliesToUser.
fn subject_matches(subject: &Subject, user: &UserInfo, binding_namespace: &str) -> bool {
    match subject.kind.as_str() {
        "User" => subject.name == user.name,
        "Group" => user.groups.contains(&subject.name),
        "ServiceAccount" => {
            let namespace = subject.namespace.as_deref().unwrap_or(binding_namespace);
            user.name == format!("system:serviceaccount:{namespace}:{}", subject.name)
        }
        _ => false,
    }
}

/// `User "dev" cannot list resource "pods" in API group "" in the namespace "default"`.
pub fn forbidden_message(user: &UserInfo, attrs: &Attributes) -> String {
    let resource = if attrs.subresource.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}/{}", attrs.resource, attrs.subresource)
    };
    match attrs.namespace.as_deref().filter(|n| !n.is_empty()) {
        Some(ns) => format!(
            "User {:?} cannot {} resource {resource:?} in API group {:?} in the namespace {ns:?}",
            user.name, attrs.verb, attrs.api_group
        ),
        None => format!(
            "User {:?} cannot {} resource {resource:?} in API group {:?} at the cluster scope",
            user.name, attrs.verb, attrs.api_group
        ),
    }
}

impl ApiServer {
    /// The rules that apply to the user in the request's namespace (VisitRulesFor).
    fn rules_for(&self, user: &UserInfo, namespace: Option<&str>) -> Vec<PolicyRule> {
        let mut rules = Vec::new();
        let cluster_role_rules = |name: &str| -> Vec<PolicyRule> {
            self.get_typed::<ClusterRole>(None, name)
                .and_then(|r| r.rules.clone())
                .unwrap_or_default()
        };
        for binding in self.list_typed::<ClusterRoleBinding>(None) {
            if binding
                .subjects
                .iter()
                .flatten()
                .any(|s| subject_matches(s, user, ""))
            {
                rules.extend(cluster_role_rules(&binding.role_ref.name));
            }
        }
        if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
            for binding in self.list_typed::<RoleBinding>(Some(ns)) {
                if binding
                    .subjects
                    .iter()
                    .flatten()
                    .any(|s| subject_matches(s, user, ns))
                {
                    rules.extend(match binding.role_ref.kind.as_str() {
                        "Role" => self
                            .get_typed::<Role>(Some(ns), &binding.role_ref.name)
                            .and_then(|r| r.rules.clone())
                            .unwrap_or_default(),
                        _ => cluster_role_rules(&binding.role_ref.name),
                    });
                }
            }
        }
        rules
    }

    /// Whether RBAC allows the request.
    pub fn allowed(&self, user: &UserInfo, attrs: &Attributes) -> bool {
        self.rules_for(user, attrs.namespace.as_deref())
            .iter()
            .any(|r| rule_allows(r, attrs))
    }

    /// Allows the request or refuses it with a 403, worded as the API server words it.
    pub fn authorize(&self, user: &UserInfo, attrs: &Attributes) -> Result<(), ApiError> {
        if self.allowed(user, attrs) {
            return Ok(());
        }
        let qualified = if attrs.api_group.is_empty() {
            attrs.resource.clone()
        } else {
            format!("{}.{}", attrs.resource, attrs.api_group)
        };
        let subject = match &attrs.name {
            Some(name) => format!("{qualified} {name:?} is forbidden"),
            None => format!("{qualified} is forbidden"),
        };
        Err(ApiError::new(
            StatusReason::Forbidden,
            format!("{subject}: {}", forbidden_message(user, attrs)),
        ))
    }
}

/// The default ClusterRoles and bindings kube-apiserver creates at start-up
/// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), as far as learners meet them.
pub fn bootstrap_policy() -> (Vec<ClusterRole>, Vec<ClusterRoleBinding>) {
    use k8s_openapi::api::rbac::v1::RoleRef;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    let rule = |groups: &[&str], resources: &[&str], verbs: &[&str]| PolicyRule {
        api_groups: Some(groups.iter().map(|s| s.to_string()).collect()),
        resources: Some(resources.iter().map(|s| s.to_string()).collect()),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    };
    let read = ["get", "list", "watch"];
    let write = ["create", "delete", "deletecollection", "patch", "update"];
    let read_write: Vec<&str> = read.iter().chain(write.iter()).copied().collect();
    let workloads = [
        "pods",
        "pods/log",
        "pods/status",
        "replicationcontrollers",
        "services",
        "endpoints",
        "persistentvolumeclaims",
        "configmaps",
        "serviceaccounts",
        "events",
    ];
    let apps = [
        "deployments",
        "deployments/scale",
        "deployments/status",
        "replicasets",
        "replicasets/scale",
        "statefulsets",
        "daemonsets",
        "controllerrevisions",
    ];
    let batch = ["jobs", "cronjobs"];
    let role = |name: &str, rules: Vec<PolicyRule>| ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(
                [(
                    "kubernetes.io/bootstrapping".to_string(),
                    "rbac-defaults".to_string(),
                )]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        rules: Some(rules),
        aggregation_rule: None,
    };
    let edit_rules = |verbs: &[&str]| {
        vec![
            rule(&[""], &workloads, verbs),
            rule(&["apps"], &apps, verbs),
            rule(&["batch"], &batch, verbs),
            rule(
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                verbs,
            ),
            rule(&["autoscaling"], &["horizontalpodautoscalers"], verbs),
            rule(&["policy"], &["poddisruptionbudgets"], verbs),
            rule(
                &[""],
                &["secrets"],
                if verbs.contains(&"create") {
                    verbs
                } else {
                    &[]
                },
            ),
        ]
    };
    let mut admin_rules = edit_rules(&read_write);
    admin_rules.push(rule(
        &["rbac.authorization.k8s.io"],
        &["roles", "rolebindings"],
        &read_write,
    ));
    admin_rules.push(rule(
        &["authorization.k8s.io"],
        &["localsubjectaccessreviews"],
        &["create"],
    ));
    let roles = vec![
        role("cluster-admin", vec![rule(&["*"], &["*"], &["*"])]),
        role("admin", admin_rules),
        role("edit", edit_rules(&read_write)),
        role("view", {
            let mut v = edit_rules(&read);
            v.retain(|r| {
                r.resources
                    .as_ref()
                    .is_some_and(|res| !res.iter().any(|x| x == "secrets"))
            });
            v.push(rule(&[""], &["namespaces"], &read));
            v
        }),
    ];
    let bindings = vec![ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some("cluster-admin".into()),
            labels: Some(
                [(
                    "kubernetes.io/bootstrapping".to_string(),
                    "rbac-defaults".to_string(),
                )]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: "cluster-admin".into(),
        },
        subjects: Some(vec![Subject {
            api_group: Some("rbac.authorization.k8s.io".into()),
            kind: "Group".into(),
            name: "system:masters".into(),
            namespace: None,
        }]),
    }];
    (roles, bindings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(
        verb: &str,
        group: &str,
        resource: &str,
        ns: Option<&str>,
        name: Option<&str>,
    ) -> Attributes {
        Attributes::new(verb, group, resource, ns, name)
    }

    #[test]
    fn forbidden_wording_matches_the_api_server() {
        let dev = UserInfo::impersonate("dev", &[]);
        assert_eq!(
            forbidden_message(&dev, &attrs("list", "", "pods", Some("default"), None)),
            r#"User "dev" cannot list resource "pods" in API group "" in the namespace "default""#
        );
        assert_eq!(
            forbidden_message(&dev, &attrs("get", "", "nodes", None, Some("node-1"))),
            r#"User "dev" cannot get resource "nodes" in API group "" at the cluster scope"#
        );
    }

    #[test]
    fn rules_match_verbs_groups_resources_and_names() {
        let rule = PolicyRule {
            api_groups: Some(vec!["apps".into()]),
            resources: Some(vec!["deployments".into()]),
            verbs: vec!["get".into(), "list".into()],
            resource_names: Some(vec!["web".into()]),
            ..PolicyRule::default()
        };
        assert!(rule_allows(
            &rule,
            &attrs("get", "apps", "deployments", Some("d"), Some("web"))
        ));
        assert!(!rule_allows(
            &rule,
            &attrs("get", "apps", "deployments", Some("d"), Some("api"))
        ));
        assert!(!rule_allows(
            &rule,
            &attrs("delete", "apps", "deployments", Some("d"), Some("web"))
        ));
        assert!(!rule_allows(
            &rule,
            &attrs("get", "", "deployments", Some("d"), Some("web"))
        ));
    }

    #[test]
    fn service_accounts_get_their_groups() {
        let sa = UserInfo::impersonate("system:serviceaccount:dev:builder", &[]);
        assert!(sa
            .groups
            .contains(&"system:serviceaccounts:dev".to_string()));
        let subject = Subject {
            kind: "ServiceAccount".into(),
            name: "builder".into(),
            namespace: Some("dev".into()),
            api_group: None,
        };
        assert!(subject_matches(&subject, &sa, "dev"));
    }
}
