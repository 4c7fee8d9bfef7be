//! Every kubernetes.io example in tests/corpus/k8s-examples/ applies on a
//! default cluster, except those a real cluster rejects too; each of those
//! is listed with the reason, and must keep failing for that reason.

use std::path::{Path, PathBuf};

use kubeplay_engine::{SimConfig, Simulation};

/// Examples a real default cluster refuses as well, and a word of the error that says why.
const REJECTED_BY_REAL_CLUSTERS: &[(&str, &str, &str)] = &[
    (
        "application/job/job-tmpl.yaml",
        "metadata.name: Invalid value: \"process-item-$ITEM\"",
        "a template: its $ITEM is meant to be replaced by sed first",
    ),
    (
        "application/volume-snaphot.yaml",
        "no matches for kind \"VolumeSnapshot\"",
        "VolumeSnapshot is a CRD that a default cluster does not install",
    ),
    (
        "application/volume-snapshot-class.yaml",
        "no matches for kind \"VolumeSnapshotClass\"",
        "a CRD, as above",
    ),
    (
        "service/networking/grpcroute.yaml",
        "no matches for kind \"GRPCRoute\"",
        "Gateway API CRDs are not installed by default",
    ),
    (
        "service/networking/grpcroute-matching.yaml",
        "no matches for kind \"GRPCRoute\"",
        "Gateway API CRDs are not installed by default",
    ),
    (
        "service/networking/example-ingress.yaml",
        "no matches for kind \"Ingress\" in version \"networking.k8s.io/v1beta1\"",
        "networking.k8s.io/v1beta1 was removed in v1.22",
    ),
    (
        "service/networking/dual-stack-ipv6-svc.yaml",
        "unknown field \"spec.ipFamily\"",
        "spec.ipFamily was replaced by spec.ipFamilies before dual-stack went GA",
    ),
    (
        "pods/emptydir-volume-mode.yaml",
        "unknown field \"spec.volumes[0].emptyDir.mode\"",
        "emptyDir.mode is newer than the simulated v1.34",
    ),
    (
        "pods/storage/projected-podcertificate.yaml",
        "unknown field \"spec.volumes[0].projected.sources[0].podCertificate.userAnnotations\"",
        "a field newer than the simulated v1.34",
    ),
    (
        "pods/inject/envars-file-container.yaml",
        "found unknown escape character",
        "\\' is not a valid escape inside a double-quoted YAML string",
    ),
    (
        "pods/inject/pod-single-secret-env-variable.yaml",
        "apiVersion not set",
        "the example has no apiVersion",
    ),
    (
        "secret/tls-auth-secret.yaml",
        "illegal base64 data at input byte 7",
        "REPLACE_WITH_BASE64_CERT is not base64",
    ),
    (
        "pods/qos/qos-pod.yaml",
        "namespaces \"qos-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/qos/qos-pod-2.yaml",
        "namespaces \"qos-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/qos/qos-pod-4.yaml",
        "namespaces \"qos-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/qos/qos-pod-5.yaml",
        "namespaces \"qos-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/resource/pod-resize.yaml",
        "namespaces \"qos-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/resource/cpu-request-limit.yaml",
        "namespaces \"cpu-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/resource/memory-request-limit.yaml",
        "namespaces \"mem-example\" not found",
        "the docs create the namespace first",
    ),
    (
        "pods/resource/memory-request-limit-2.yaml",
        "namespaces \"mem-example\" not found",
        "the docs create the namespace first",
    ),
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/k8s-examples")
}

/// A fresh cluster with one corpus example applied, which must apply cleanly.
fn applied(relative: &str) -> Simulation {
    let text = std::fs::read_to_string(corpus().join(relative)).expect("readable");
    let mut sim = Simulation::new(SimConfig::default());
    let report = sim.apply_yaml_report(relative, &text);
    assert!(report.errors.is_empty(), "{relative}: {:?}", report.errors);
    sim
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("corpus folder readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_example_applies_unless_a_real_cluster_rejects_it() {
    let root = corpus();
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 150,
        "corpus incomplete: {} files",
        files.len()
    );
    let mut surprises = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).expect("readable");
        let mut sim = Simulation::new(SimConfig::default());
        let report = sim.apply_yaml_report(&relative, &text);
        let errors: Vec<String> = report.errors.iter().map(|e| e.message.clone()).collect();
        match REJECTED_BY_REAL_CLUSTERS
            .iter()
            .find(|(path, _, _)| *path == relative)
        {
            Some((_, expected, why)) => {
                if !errors.iter().any(|e| e.contains(expected)) {
                    surprises.push(format!("{relative}: expected an error containing {expected:?} ({why}), got {errors:?}"));
                }
            }
            None => {
                if !errors.is_empty() {
                    surprises.push(format!("{relative}: {}", errors.join(" | ")));
                }
                // A simulated apply never leaves the cluster unable to step.
                sim.advance(kubeplay_engine::SimDuration::from_secs(30));
            }
        }
    }
    assert!(
        surprises.is_empty(),
        "{} surprises:\n{}",
        surprises.len(),
        surprises.join("\n")
    );
}

/// controllers/job.yaml runs `perl -Mbignum=bpi -wle "print bpi(1000)"`:
/// the Job completes and its pod printed π to 1000 digits.
#[test]
fn the_pi_job_completes() {
    let mut sim = applied("controllers/job.yaml");
    sim.advance(kubeplay_engine::SimDuration::from_secs(60));
    let jobs = sim.run_command("kubectl get job pi", &kubeplay_engine::NoFiles);
    assert!(
        jobs.stdout.contains("Complete   1/1"),
        "{}{}",
        jobs.stdout,
        jobs.stderr
    );
    let logs = sim.run_command("kubectl logs job/pi", &kubeplay_engine::NoFiles);
    let digits = logs.stdout.trim_end();
    assert_eq!(digits.len(), 1001, "{digits}");
    assert!(digits.starts_with("3.14159265358979323846"), "{digits}");
}

/// application/deployment-sidecar.yaml: the app appends a line to a shared
/// file every second and the `logshipper` sidecar (`tail -F`, started before
/// the file exists) prints each one. Both run; the pod is 2/2 and the
/// sidecar's log follows the file.
#[test]
fn the_sidecar_example_ships_the_apps_log() {
    let mut sim = applied("application/deployment-sidecar.yaml");
    sim.advance(kubeplay_engine::SimDuration::from_secs(30));
    let pods = sim.run_command("kubectl get pods", &kubeplay_engine::NoFiles);
    assert!(
        pods.stdout.contains("2/2     Running   0"),
        "{}",
        pods.stdout
    );
    let logs = sim.run_command(
        "kubectl logs deploy/myapp -c logshipper",
        &kubeplay_engine::NoFiles,
    );
    let lines: Vec<&str> = logs.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "tail: can't open '/opt/logs.txt': No such file or directory",
            "tail: /opt/logs.txt has appeared; following end of new file"
        ]
    );
    let logged = lines.iter().filter(|l| **l == "logging").count();
    assert!(
        (25..=30).contains(&logged),
        "{logged} lines: {}",
        logs.stdout
    );
    // It keeps following: ten more seconds, ten more lines.
    sim.advance(kubeplay_engine::SimDuration::from_secs(10));
    let later = sim.run_command(
        "kubectl logs deploy/myapp -c logshipper",
        &kubeplay_engine::NoFiles,
    );
    let more = later.stdout.lines().filter(|l| *l == "logging").count();
    assert_eq!(more, logged + 10, "{}", later.stdout);
}

/// Every image the examples name exists on its registry and every program
/// they run can start: applied alone and run for two minutes, no example has
/// a pod stuck on a pull or a start (missing ConfigMaps, labels or volumes
/// the docs create first are fine: those pods wait for a different reason).
#[test]
fn every_examples_images_pull_and_programs_start() {
    const STUCK: &[&str] = &[
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "StartError",
        "RunContainerError",
    ];
    let root = corpus();
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    let mut stuck = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let mut sim = Simulation::new(SimConfig::default());
        sim.apply_yaml_report("example.yaml", &text);
        sim.advance(kubeplay_engine::SimDuration::from_secs(120));
        let pods = sim.run_command("kubectl get pods -A", &kubeplay_engine::NoFiles);
        for line in pods.stdout.lines().skip(1) {
            if STUCK
                .iter()
                .any(|s| line.split_whitespace().any(|w| w == *s))
            {
                let name = path.strip_prefix(&root).unwrap_or(path).display();
                stuck.push(format!("{name}: {line}"));
            }
        }
    }
    assert!(stuck.is_empty(), "{}", stuck.join("\n"));
}

/// application/job/indexed-job.yaml: a bash init container picks its word by
/// `$JOB_COMPLETION_INDEX` from an array, the worker `rev`s it; the tutorial
/// shows `zab` for index 2. indexed-job-vol.yaml reads the index from a
/// downward API volume instead.
#[test]
fn the_indexed_job_examples_complete_with_the_tutorials_output() {
    for (file, index_2) in [("indexed-job.yaml", "zab"), ("indexed-job-vol.yaml", "2")] {
        let mut sim = applied(&format!("application/job/{file}"));
        sim.advance(kubeplay_engine::SimDuration::from_secs(60));
        let job = sim.run_command("kubectl get job indexed-job", &kubeplay_engine::NoFiles);
        assert!(
            job.stdout.contains("Complete   5/5"),
            "{file}: {}",
            job.stdout
        );
        let pods = sim.run_command(
            "kubectl get pods -l batch.kubernetes.io/job-completion-index=2 -o name",
            &kubeplay_engine::NoFiles,
        );
        let pod = pods.stdout.lines().next().unwrap_or_default().to_string();
        let logs = sim.run_command(
            &format!("kubectl logs {pod} -c worker"),
            &kubeplay_engine::NoFiles,
        );
        assert_eq!(logs.stdout.trim_end(), index_2, "{file}: {}", logs.stderr);
    }
}
