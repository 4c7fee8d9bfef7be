//! kubeplay's browser UI: a thin shell that turns clicks into engine calls and
//! engine snapshots into HTML. The cluster itself lives in `kubeplay-engine`.
//!
//! - `workspace.rs` — one workspace (the sandbox or a lesson): the learner's
//!   session, the files they edit, and the recorded timeline that the engine's
//!   `Recorder::replay` rebuilds for rewind, reload and shared links; lesson
//!   progress (the checks themselves are the engine's).
//! - `state.rs` — the app state and its `Action`s (`impl Reducible`): forwards
//!   each action to the workspace, takes fresh snapshots, saves.
//! - `persist.rs` — what localStorage keeps and what a share link carries
//!   (formats, versions, the browser calls; broken values are messages).
//! - `catalog.rs` — the lessons, embedded at build time by `build.rs`.
//! - `inspect.rs` — the inspector's content, from read-only commands.
//! - `completion.rs`, `highlight.rs`, `templates.rs`, `i18n.rs`, `format.rs`
//!   — Tab completion, YAML colours, a manifest of each kind, Korean and
//!   English, how numbers look.
//! - `components/` — one component per file; they send actions through `Ctx`
//!   and never call the engine.

mod catalog;
mod completion;
mod components;
mod format;
mod highlight;
mod i18n;
mod inspect;
mod panic_hook;
mod persist;
mod state;
mod templates;
mod workspace;

fn main() {
    panic_hook::install();
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    yew::Renderer::<components::app::App>::new().render();
}
