//! The lessons embedded at build time (see `build.rs`), parsed by the engine.

use kubeplay_engine::sorting::CollectSorted;
use std::collections::BTreeMap;
use std::rc::Rc;

use kubeplay_engine::lessons::{parse_lesson, Lesson};

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// Every lesson that parsed, in folder order, and a message for each that did not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    pub lessons: Vec<Rc<Lesson>>,
    pub errors: Vec<String>,
}

impl Catalog {
    pub fn load() -> Catalog {
        let mut catalog = Catalog::default();
        for (folder, yaml, files) in LESSON_SOURCES {
            let files: BTreeMap<String, String> = files
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string()))
                .collect_map();
            match parse_lesson(yaml, files) {
                Ok(lesson) => {
                    if catalog.lessons.iter().any(|l| l.id == lesson.id) {
                        catalog
                            .errors
                            .push(format!("{folder}: lesson id {} is used twice", lesson.id));
                    } else {
                        catalog.lessons.push(Rc::new(lesson));
                    }
                }
                Err(e) => catalog.errors.push(format!("{folder}: {e}")),
            }
        }
        catalog
    }

    pub fn get(&self, id: &str) -> Option<&Rc<Lesson>> {
        self.lessons.iter().find(|l| l.id == id)
    }

    /// The lesson after `id`, if any.
    pub fn next_after(&self, id: &str) -> Option<&Rc<Lesson>> {
        let index = self.lessons.iter().position(|l| l.id == id)?;
        self.lessons.get(index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_lesson_parses() {
        let catalog = Catalog::load();
        assert!(catalog.errors.is_empty(), "{:?}", catalog.errors);
        assert_eq!(catalog.lessons.len(), LESSON_SOURCES.len());
        assert!(!catalog.lessons.is_empty(), "no lesson embedded");
    }
}
