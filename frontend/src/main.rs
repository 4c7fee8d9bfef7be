//! kubeplay's browser UI: a thin shell that turns clicks into engine calls and
//! engine snapshots into HTML. The cluster itself lives in `kubeplay-engine`.

mod catalog;
mod completion;
mod components;
mod format;
mod highlight;
mod i18n;
mod inspect;
mod persist;
mod panic_hook;
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
