//! One component per file. They read snapshots from the state and send
//! actions through [`Ctx`]; none of them calls the engine.

pub mod app;
pub mod apply_result;
pub mod cluster_map;
pub mod controls;
pub mod editor;
pub mod flow;
pub mod inspector;
pub mod lesson_panel;
pub mod node_card;
pub mod pod_chip;
pub mod rich_text;
pub mod rollout_chart;
pub mod service_map;
pub mod step_log;
pub mod terminal;
pub mod timeline;
pub mod topbar;

use yew::prelude::*;

use crate::i18n::Lang;
use crate::state::{Action, Playground};

/// What every component may use: the language, and a way to send actions.
#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub dispatch: UseReducerDispatcher<Playground>,
    pub lang: Lang,
}

impl Ctx {
    /// A callback that sends the action `make` builds from the event.
    pub fn cb<E: 'static>(&self, make: impl Fn(E) -> Action + 'static) -> Callback<E> {
        let dispatch = self.dispatch.clone();
        Callback::from(move |e: E| dispatch.dispatch(make(e)))
    }

    /// A click callback that sends a fixed action.
    pub fn on_click(&self, make: impl Fn() -> Action + 'static) -> Callback<MouseEvent> {
        self.cb(move |_: MouseEvent| make())
    }

    pub fn t(&self, ko: &'static str, en: &'static str) -> &'static str {
        self.lang.t(ko, en)
    }
}

/// The context, when rendered inside the app (always, in practice).
#[hook]
pub fn use_ctx() -> Option<Ctx> {
    use_context::<Ctx>()
}

/// The collapse button of a panel header.
pub fn collapse_button(ctx: &Ctx, panel: &'static str, collapsed: bool, title: &str) -> Html {
    let label = if collapsed {
        ctx.lang
            .pick(format!("{title} 펼치기"), format!("Expand {title}"))
    } else {
        ctx.lang
            .pick(format!("{title} 접기"), format!("Collapse {title}"))
    };
    html! {
        <button class="icon-btn collapse-btn" aria-expanded={(!collapsed).to_string()}
                aria-label={label.clone()} title={label}
                data-panel={panel}
                onclick={ctx.on_click(move || Action::TogglePanel(panel))}>
            <span aria-hidden="true">{ if collapsed { "▸" } else { "▾" } }</span>
        </button>
    }
}
