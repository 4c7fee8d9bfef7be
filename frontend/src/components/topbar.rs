//! The top bar: the brand, what is open (a lesson or the sandbox), sharing
//! and the language switch.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::i18n::Lang;
use crate::state::{Action, Playground};
use crate::workspace::WorkspaceKind;

#[derive(Properties, PartialEq)]
pub struct TopbarProps {
    pub state: Playground,
}

#[function_component(Topbar)]
pub fn topbar(props: &TopbarProps) -> Html {
    let share_input = use_node_ref();
    let copied = use_state(|| false);
    let state = &props.state;
    {
        // Select the link when the dialog opens, ready to copy.
        let share_input = share_input.clone();
        use_effect_with(props.state.share_url.clone(), move |url| {
            if url.is_some() {
                if let Some(input) = share_input.cast::<HtmlInputElement>() {
                    let _ = input.focus();
                    input.select();
                }
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let lang = ctx.lang;

    let open = match &state.kind {
        WorkspaceKind::Sandbox => html! {
            <span class="where"><span class="where-kind">{ ctx.t("자유 실습", "Sandbox") }</span></span>
        },
        WorkspaceKind::Lesson(_) => {
            let (number, title) = state
                .lesson
                .as_ref()
                .map(|l| {
                    let n = state
                        .catalog
                        .lessons
                        .iter()
                        .position(|x| x.id == l.id)
                        .map_or(0, |i| i + 1);
                    (n, lang.text(&l.title).to_string())
                })
                .unwrap_or_default();
            html! {
                <span class="where">
                    <span class="where-kind">{ lang.pick(format!("레슨 {number}"), format!("Lesson {number}")) }</span>
                    <span class="where-title">{ title }</span>
                </span>
            }
        }
    };

    let on_share = {
        let copied = copied.clone();
        let dispatch = ctx.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            copied.set(false);
            dispatch.dispatch(Action::Share);
        })
    };
    let on_copy = {
        let share_input = share_input.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = share_input.cast::<HtmlInputElement>() {
                input.select();
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&input.value());
                }
                copied.set(true);
            }
        })
    };

    let lang_button = |l: Lang, label: &'static str| {
        let active = lang == l;
        html! {
            <button class={classes!("seg", active.then_some("active"))} aria-pressed={active.to_string()}
                    data-lang={l.code()}
                    onclick={ctx.on_click(move || Action::SetLang(l))}>{ label }</button>
        }
    };

    html! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">{ "⎈" }</span>
                <span class="brand-name">{ "kubeplay" }</span>
                <span class="tagline">{ ctx.t("브라우저 안의 쿠버네티스 클러스터", "a Kubernetes cluster in your browser") }</span>
            </div>
            { open }
            <div class="topbar-actions">
                <button id="lessons-button" class="btn ghost"
                        aria-pressed={state.lesson_list.to_string()}
                        onclick={ctx.on_click({ let show = !state.lesson_list; move || Action::ShowLessonList(show) })}>
                    { ctx.t("레슨 목록", "Lessons") }
                </button>
                <button id="share" class="btn ghost" onclick={on_share}
                        title={ctx.t("이 시나리오를 다시 만드는 링크", "A link that recreates this scenario")}>
                    { ctx.t("공유", "Share") }
                </button>
                <div class="segmented" role="group" aria-label={ctx.t("언어", "Language")}>
                    { lang_button(Lang::Ko, "한국어") }
                    { lang_button(Lang::En, "English") }
                </div>
            </div>
            if let Some(url) = &state.share_url {
                <div id="share-dialog" class="share-dialog" role="dialog" aria-label={ctx.t("공유 링크", "Share link")}>
                    <p>{ ctx.t(
                        "이 링크를 열면 같은 명령이 같은 순서로 다시 실행되어 지금의 클러스터가 그대로 만들어집니다.",
                        "Opening this link runs the same commands again, in the same order, and rebuilds this very cluster.") }</p>
                    <div class="share-row">
                        <input id="share-url" ref={share_input} type="text" readonly=true value={url.clone()}
                               aria-label={ctx.t("공유 링크", "Share link")} />
                        <button class="btn primary" onclick={on_copy}>
                            { if *copied { ctx.t("복사됨", "Copied") } else { ctx.t("복사", "Copy") } }
                        </button>
                        <button class="btn" onclick={ctx.on_click(|| Action::CloseShare)}>{ ctx.t("닫기", "Close") }</button>
                    </div>
                </div>
            }
        </header>
    }
}
