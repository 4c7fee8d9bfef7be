//! One component per file.

pub mod app;
pub mod apply_result;
pub mod cluster_map;
pub mod controls;
pub mod editor;
pub mod node_card;
pub mod pod_chip;
pub mod step_log;
pub mod terminal;
