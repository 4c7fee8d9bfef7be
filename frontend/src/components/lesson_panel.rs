//! The lesson panel: the list of lessons with progress, or the current
//! lesson's step — its explanation, task, checks (green as the cluster gets
//! there), hint and solution on request, and the next step once unlocked.

use yew::prelude::*;

use crate::components::rich_text::RichText;
use crate::components::{collapse_button, use_ctx, Ctx};
use crate::state::{Action, Playground};
use crate::workspace::WorkspaceKind;

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub state: Playground,
}

fn lesson_list(ctx: &Ctx, state: &Playground) -> Html {
    let lang = ctx.lang;
    let items = state.catalog.lessons.iter().enumerate().map(|(i, lesson)| {
        let id = lesson.id.clone();
        let progress = state.saved.progress(&lesson.id);
        let finished_now = progress.is_some_and(|p| p.step >= lesson.steps.len());
        let done = finished_now || state.saved.completed.contains(&lesson.id);
        let current = state.kind == WorkspaceKind::Lesson(lesson.id.clone());
        let (badge_class, badge) = if done {
            ("done", ctx.t("완료", "done").to_string())
        } else if let Some(p) = progress {
            (
                "started",
                lang.pick(
                    format!("{}/{} 단계", p.step + 1, lesson.steps.len()),
                    format!("step {}/{}", p.step + 1, lesson.steps.len()),
                ),
            )
        } else {
            ("new", lang.pick(format!("{}단계", lesson.steps.len()), format!("{} steps", lesson.steps.len())))
        };
        html! {
            <li key={lesson.id.clone()}>
                <button class={classes!("lesson-item", current.then_some("current"), done.then_some("is-done"))}
                        data-lesson={lesson.id.clone()}
                        aria-current={current.then_some("true")}
                        onclick={ctx.on_click(move || Action::OpenLesson(id.clone()))}>
                    <span class="lesson-num" aria-hidden="true">{ if done { "✓".to_string() } else { format!("{}", i + 1) } }</span>
                    <span class="lesson-text">
                        <span class="lesson-title">{ lang.text(&lesson.title) }</span>
                        <span class="lesson-summary">{ lang.text(&lesson.summary) }</span>
                    </span>
                    <span class={classes!("badge", badge_class)}>{ badge }</span>
                </button>
            </li>
        }
    });
    let sandbox = state.kind == WorkspaceKind::Sandbox;
    html! {
        <div class="lesson-list-view">
            <p class="lesson-intro">{ ctx.t(
                "레슨은 짧은 설명과 할 일, 그리고 시뮬레이션된 클러스터가 정말 목표에 이르면 초록색이 되는 확인 항목으로 이루어져 있습니다. 진행 상황은 이 브라우저에 저장됩니다.",
                "Each lesson has short explanations, tasks, and checks that turn green when the simulated cluster really reaches the goal. Progress is saved in this browser.") }</p>
            <ol id="lesson-list" class="lesson-list">{ for items }</ol>
            <button id="open-sandbox" class={classes!("lesson-item", "sandbox-item", sandbox.then_some("current"))}
                    aria-current={sandbox.then_some("true")}
                    onclick={ctx.on_click(|| Action::OpenSandbox)}>
                <span class="lesson-num" aria-hidden="true">{ "∞" }</span>
                <span class="lesson-text">
                    <span class="lesson-title">{ ctx.t("자유 실습", "Free sandbox") }</span>
                    <span class="lesson-summary">{ ctx.t(
                        "아무 매니페스트나 붙여 넣고 적용한 뒤, 한 단계씩 또는 재생하며 지켜보세요.",
                        "Paste any manifest, apply it, then step or play and watch.") }</span>
                </span>
            </button>
        </div>
    }
}

fn step_view(ctx: &Ctx, state: &Playground) -> Html {
    let lang = ctx.lang;
    let Some(lesson) = &state.lesson else {
        return html! {};
    };
    let total = lesson.steps.len();
    let progress = &state.progress;
    let dots = (0..total).map(|i| {
        let class = if i < progress.step || (i == progress.step && progress.step_done) {
            "done"
        } else if i == progress.step {
            "current"
        } else {
            "locked"
        };
        let label = lang.pick(format!("{}단계", i + 1), format!("step {}", i + 1));
        html! { <li class={classes!("dot", class)} title={label.clone()} aria-label={label}></li> }
    });

    let Some(step) = lesson.steps.get(progress.step) else {
        // Finished.
        let next = state.catalog.next_after(&lesson.id).cloned();
        return html! {
            <div class="lesson-step finished" id="lesson-finished">
                <ol class="dots" aria-hidden="true">{ for dots }</ol>
                <h3>{ ctx.t("레슨 완료!", "Lesson complete!") }</h3>
                <p>{ lang.pick(
                    format!("\"{}\"의 {total}단계를 모두 마쳤습니다. 클러스터는 그대로 남아 있으니 계속 실험해 보세요.", lang.text(&lesson.title)),
                    format!("You finished all {total} steps of \"{}\". The cluster stays as it is: keep experimenting.", lang.text(&lesson.title))) }</p>
                <div class="step-actions">
                    if let Some(next) = next {
                        <button id="next-lesson" class="btn primary"
                                onclick={ctx.on_click({ let id = next.id.clone(); move || Action::OpenLesson(id.clone()) })}>
                            { lang.pick(format!("다음 레슨: {}", lang.text(&next.title)), format!("Next lesson: {}", lang.text(&next.title))) }
                        </button>
                    }
                    <button class="btn" onclick={ctx.on_click(|| Action::ShowLessonList(true))}>{ ctx.t("레슨 목록", "All lessons") }</button>
                </div>
            </div>
        };
    };

    let passed = state.checks.iter().filter(|c| c.passed).count();
    let checks = step.checks.iter().enumerate().map(|(i, spec)| {
        let result = state.checks.get(i);
        let ok = result.is_some_and(|r| r.passed) || progress.step_done;
        html! {
            <li class={classes!("check", if ok { "passed" } else { "pending" })} data-passed={ok.to_string()}>
                <span class="check-icon" aria-hidden="true">{ if ok { "✓" } else { "○" } }</span>
                <span class="check-text">
                    <span class="check-label">{ lang.text(&spec.label) }</span>
                    if let Some(r) = result {
                        <span class="check-observed">{ &r.observed }</span>
                    }
                </span>
                <span class="sr-only">{ if ok { ctx.t("통과", "passed") } else { ctx.t("아직", "not yet") } }</span>
            </li>
        }
    });
    let solution = step.solution.iter().map(|line| {
        let typed = line.clone();
        html! {
            <li>
                <button class="code-cmd" title={ctx.t("터미널에 입력하기", "Type it into the terminal")}
                        onclick={ctx.on_click(move || Action::Type(typed.clone()))}><code>{ line }</code></button>
            </li>
        }
    });

    html! {
        <div class="lesson-step" data-step={step.id.clone()} data-step-index={progress.step.to_string()}>
            <div class="step-progress">
                <ol class="dots">{ for dots }</ol>
                <span class="step-count">{ lang.pick(format!("{}/{}단계", progress.step + 1, total), format!("Step {} of {total}", progress.step + 1)) }</span>
            </div>
            <h3 id="step-title">{ lang.text(&step.title) }</h3>
            <RichText text={AttrValue::from(lang.text(&step.explain).to_string())} class="explain" />
            <div class="task" id="task">
                <div class="task-head">{ ctx.t("할 일", "Your task") }</div>
                <RichText text={AttrValue::from(lang.text(&step.task).to_string())} />
            </div>
            <div class="checks-head">
                <span>{ ctx.t("확인", "Checks") }</span>
                <span class="checks-count">{ format!("{}/{}", if progress.step_done { step.checks.len() } else { passed }, step.checks.len()) }</span>
            </div>
            <ul id="checks" class="checks" aria-live="polite">{ for checks }</ul>
            if progress.step_done {
                <div class="step-done" role="status">
                    <span>{ ctx.t("이 단계를 마쳤습니다!", "Step complete!") }</span>
                    <button id="next-step" class="btn primary" onclick={ctx.on_click(|| Action::NextStep)}>
                        { if progress.step + 1 >= total { ctx.t("레슨 마치기", "Finish the lesson") } else { ctx.t("다음 단계 →", "Next step →") } }
                    </button>
                </div>
            }
            <div class="help-buttons">
                <button id="hint-toggle" class="btn small" aria-expanded={state.show_hint.to_string()}
                        onclick={ctx.on_click(|| Action::ToggleHint)}>
                    { if state.show_hint { ctx.t("힌트 숨기기", "Hide hint") } else { ctx.t("힌트 보기", "Show hint") } }
                </button>
                <button id="solution-toggle" class="btn small" aria-expanded={state.show_solution.to_string()}
                        onclick={ctx.on_click(|| Action::ToggleSolution)}>
                    { if state.show_solution { ctx.t("풀이 숨기기", "Hide solution") } else { ctx.t("풀이 보기", "Show solution") } }
                </button>
            </div>
            if state.show_hint {
                <div id="hint" class="hint">
                    <RichText text={AttrValue::from(lang.text(&step.hint).to_string())} />
                </div>
            }
            if state.show_solution {
                <div id="solution" class="solution">
                    <ol class="solution-lines">{ for solution }</ol>
                    <button id="run-solution" class="btn small" onclick={ctx.on_click(|| Action::RunSolution)}>
                        { ctx.t("대신 실행하기", "Run it for me") }
                    </button>
                </div>
            }
        </div>
    }
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &LessonPanelProps) -> Html {
    let body_ref = use_node_ref();
    {
        // A new step (or lesson, or the list) starts at the top.
        let body_ref = body_ref.clone();
        let at = (
            props.state.kind.clone(),
            props.state.progress.step,
            props.state.lesson_list,
        );
        use_effect_with(at, move |_| {
            if let Some(body) = body_ref.cast::<web_sys::HtmlElement>() {
                body.set_scroll_top(0);
            }
        });
    }
    let Some(ctx) = use_ctx() else {
        return html! {};
    };
    let state = &props.state;
    let collapsed = state.is_collapsed("lesson");
    let show_list = state.lesson_list || state.lesson.is_none();
    let title = if show_list {
        ctx.t("레슨", "Lessons").to_string()
    } else {
        state
            .lesson
            .as_ref()
            .map(|l| ctx.lang.text(&l.title).to_string())
            .unwrap_or_default()
    };
    html! {
        <aside id="lesson-panel" class={classes!("panel", "lesson-panel", collapsed.then_some("collapsed"))}
               aria-label={ctx.t("레슨", "Lesson")}>
            <header class="panel-head">
                { collapse_button(&ctx, "lesson", collapsed, ctx.t("레슨", "lesson")) }
                <h2 id="lesson-title">{ title }</h2>
                if !collapsed && !show_list {
                    <button id="all-lessons" class="btn small ghost" onclick={ctx.on_click(|| Action::ShowLessonList(true))}>
                        { ctx.t("목록", "All") }
                    </button>
                }
                if !collapsed && state.lesson_list && state.lesson.is_some() {
                    <button class="btn small ghost" onclick={ctx.on_click(|| Action::ShowLessonList(false))}>
                        { ctx.t("돌아가기", "Back") }
                    </button>
                }
            </header>
            if !collapsed {
                <div class="panel-body lesson-body" ref={body_ref}>
                    if show_list { { lesson_list(&ctx, state) } } else { { step_view(&ctx, state) } }
                </div>
            }
        </aside>
    }
}
