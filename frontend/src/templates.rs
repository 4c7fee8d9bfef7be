//! A template of each kind the editor can start from. Each applies as it is
//! (a test applies every one to a fresh cluster).

pub struct Template {
    pub kind: &'static str,
    pub text: &'static str,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        kind: "Pod",
        text: "apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app: hello
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - containerPort: 80
    resources:
      requests:
        cpu: 100m
        memory: 64Mi
",
    },
    Template {
        kind: "Deployment",
        // The Deployment the editor opens with.
        text: kubeplay_engine::samples::SAMPLE_DEPLOYMENT,
    },
    Template {
        kind: "ReplicaSet",
        text: "apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
spec:
  replicas: 2
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: web
        image: nginx:1.27
",
    },
    Template {
        kind: "DaemonSet",
        text: "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels:
      app: log-agent
  template:
    metadata:
      labels:
        app: log-agent
    spec:
      containers:
      - name: agent
        image: busybox:1.36
        command: [\"sh\", \"-c\", \"while true; do sleep 30; done\"]
",
    },
    Template {
        kind: "Job",
        text: "apiVersion: batch/v1
kind: Job
metadata:
  name: count
spec:
  completions: 3
  parallelism: 2
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: count
        image: busybox:1.36
        command: [\"sh\", \"-c\", \"for i in 1 2 3; do echo $i; sleep 2; done\"]
",
    },
    Template {
        kind: "Service",
        text: "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
",
    },
    Template {
        kind: "Namespace",
        text: "apiVersion: v1
kind: Namespace
metadata:
  name: team-a
",
    },
    Template {
        kind: "Role + RoleBinding",
        text: "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: default
rules:
- apiGroups: [\"\"]
  resources: [\"pods\"]
  verbs: [\"get\", \"list\", \"watch\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
  namespace: default
subjects:
- kind: User
  name: jane
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::{SimConfig, SimDuration, Simulation};

    #[test]
    fn every_template_applies_to_a_fresh_cluster() {
        for template in TEMPLATES {
            let mut sim = Simulation::new(SimConfig::default());
            let report = sim.apply_yaml_report("t.yaml", template.text);
            assert!(
                report.errors.is_empty(),
                "{}: {:?}",
                template.kind,
                report.errors
            );
            assert!(!report.applied.is_empty(), "{}", template.kind);
            sim.advance(SimDuration::from_secs(30));
        }
    }
}
