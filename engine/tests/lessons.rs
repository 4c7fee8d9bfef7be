//! Every lesson in lessons/, headlessly: each step's solution makes all its
//! checks pass, an untouched cluster fails every check of every step, and
//! every manifest in lessons/ applies cleanly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubeplay_engine::lessons::{parse_lesson, Lesson, LessonRun};
use kubeplay_engine::{SimConfig, SimDuration, Simulation};

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons")
}

fn load_all() -> Vec<(PathBuf, Lesson)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(lessons_dir())
        .expect("lessons/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("lesson.yaml").exists())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let yaml =
                std::fs::read_to_string(dir.join("lesson.yaml")).expect("lesson.yaml readable");
            let mut files = BTreeMap::new();
            for entry in std::fs::read_dir(&dir).expect("lesson folder") {
                let path = entry.expect("entry").path();
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .to_string();
                if name != "lesson.yaml" && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                    files.insert(
                        name,
                        std::fs::read_to_string(&path).expect("manifest readable"),
                    );
                }
            }
            let lesson =
                parse_lesson(&yaml, files).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            (dir, lesson)
        })
        .collect()
}

#[test]
fn every_solution_passes_its_checks() {
    for (dir, lesson) in load_all() {
        let mut run =
            LessonRun::start(lesson.clone()).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for step in &lesson.steps {
            for line in &step.solution {
                run.run(line);
            }
            let results = run.check();
            let failed: Vec<String> = results
                .iter()
                .zip(&step.checks)
                .filter(|(r, _)| !r.passed)
                .map(|(r, c)| format!("{} ({})", c.label.en, r.observed))
                .collect();
            assert!(
                failed.is_empty(),
                "{} step {}: solution leaves checks failing: {failed:?}",
                lesson.id,
                step.id
            );
            assert!(
                run.advance_if_done(),
                "{} step {} did not advance",
                lesson.id,
                step.id
            );
        }
        assert!(run.finished(), "{} did not finish", lesson.id);
    }
}

#[test]
fn an_untouched_cluster_fails_every_check() {
    for (_, lesson) in load_all() {
        for (i, step) in lesson.steps.iter().enumerate() {
            let mut run = LessonRun::start(lesson.clone()).expect("lesson starts");
            // Time passing alone must not complete a step.
            run.session.sim.advance(SimDuration::from_secs(600));
            run.step = i;
            let results = run.check();
            for (result, check) in results.iter().zip(&step.checks) {
                assert!(
                    !result.passed,
                    "{} step {}: check {:?} passes on an untouched cluster ({})",
                    lesson.id, step.id, check.label.en, result.observed
                );
            }
        }
    }
}

#[test]
fn every_manifest_applies_cleanly() {
    for (dir, lesson) in load_all() {
        for (name, text) in &lesson.files {
            let mut sim = Simulation::new(SimConfig {
                seed: lesson.cluster.seed,
                worker_nodes: lesson.cluster.workers,
            });
            let report = sim.apply_yaml_report(name, text);
            assert!(
                report.errors.is_empty(),
                "{}/{name}: {:?}",
                dir.display(),
                report.errors
            );
        }
    }
}

#[test]
fn there_are_lessons() {
    assert!(!load_all().is_empty(), "no lessons found in lessons/");
}
