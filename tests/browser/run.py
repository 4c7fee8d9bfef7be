#!/usr/bin/env python3
"""Browser tests of the built playground (dist/) in real headless Chromium.

Serves dist/ on a free local port, drives the page through chromedriver like a
learner would (typing, clicking, reloading), and saves screenshots to
tests/artifacts/ (and, with --docs, the README's screenshots to docs/). Stdlib only.

    python3 tests/browser/run.py [--dist dist] [--chromium /usr/bin/chromium]
                                 [--chromedriver /usr/bin/chromedriver] [--docs]

The tests run in order in one browser and build on each other's state
(localStorage included), as one learner's visit would.
"""

import argparse
import functools
import http.server
import json
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import (  # noqa: E402
    ARROW_UP, CONTROL, ENTER, ESCAPE, TAB, Chrome, WebDriverError, wait_for,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")
DOCS = os.path.join(ROOT, "docs", "screenshots")

# A manifest whose 4th line is not valid YAML ("mapping values are not allowed here").
BROKEN_MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken: yes
spec:
  replicas: 1
"""
BROKEN_LINE = 4

# Texts that only appear when the wasm app died.
CRASH_MARKERS = ["panicked at", "kubeplay stopped because of a bug", "RuntimeError: unreachable"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def log_message(self, *args):
        pass


def serve(directory):
    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---------------------------------------------------------------- helpers

URL = None  # set in main()
SHOT_DOCS = False


def editor_value(b):
    return b.script("return document.getElementById('editor').value;")


def pods(b):
    """Every pod on the map: [{name, status, node, role}] (node None when unscheduled)."""
    return b.script("""
        return [...document.querySelectorAll('.pod')].map(p => {
            const node = p.closest('.node');
            const status = p.querySelector('.pod-status');
            return {
                name: p.dataset.name,
                status: p.dataset.status,
                text: status ? status.textContent : null,
                node: node ? node.dataset.node : null,
                role: node ? node.dataset.role : null,
            };
        });
    """)


def running(b):
    return sorted(p["name"] for p in pods(b) if p["status"] == "Running")


def time_ms(b):
    return int(b.script("return document.getElementById('time').dataset.ms;"))


def page_text(b):
    return b.script("return document.body.innerText;")


def assert_no_crash(b):
    text = page_text(b)
    for marker in CRASH_MARKERS:
        check(marker not in text, f"the page shows a crash ({marker!r}):\n{text[:2000]}")
    check(not b.find_all("#crash"), "the crash banner (#crash) is on the page")


def set_editor(b, text):
    """Replaces the editor's text by typing, as a learner would."""
    b.click("#editor")
    b.send_keys("#editor", CONTROL + "a" + CONTROL)  # select all (Ctrl pressed, released)
    b.send_keys("#editor", text)


def set_editor_fast(b, text):
    b.script("""
        const t = document.getElementById('editor');
        t.value = arguments[0];
        t.dispatchEvent(new Event('input', {bubbles: true}));
    """, text)


def type_command(b, line):
    """Types a command into the terminal and runs it; returns the new entry's text."""
    before = len(b.find_all(".term-entry"))
    b.send_keys("#command", line + ENTER)
    wait_for(lambda: len(b.find_all(".term-entry")) > before or line.strip() in ("", "clear"),
             what=f"the terminal to run {line!r}")
    entries = b.find_all(".term-entry")
    return b.text(".term-entry:last-child") if entries else ""


def notice(b):
    found = b.find_all("#notice")
    if not found:
        return None
    return b.script("const n = document.getElementById('notice'); return [n.dataset.tone, n.innerText];")


def dismiss_notice(b):
    if b.find_all("#notice"):
        b.click("#notice .icon-btn")


def load(b, url=None):
    """(Re)loads the page and waits for the app."""
    b.get(url or URL)
    wait_for(lambda: b.find_all("#step"), timeout=20, what="the app to start (#step)")


def set_range(b, selector, value):
    """Moves a range input to a value as a drag ending there would (input, then change)."""
    b.script("""
        const r = document.querySelector(arguments[0]);
        r.value = arguments[1];
        r.dispatchEvent(new Event('input', {bubbles: true}));
        r.dispatchEvent(new Event('change', {bubbles: true}));
    """, selector, str(value))


def shot(b, name, docs=False):
    b.screenshot(os.path.join(ARTIFACTS, name))
    if docs and SHOT_DOCS:
        b.screenshot(os.path.join(DOCS, name))


def open_lesson(b, lesson_id):
    if not b.find_all(f'.lesson-item[data-lesson="{lesson_id}"]'):
        b.click("#lessons-button")
    b.click(f'.lesson-item[data-lesson="{lesson_id}"]')
    wait_for(lambda: b.find_all("#step-title") or b.find_all("#lesson-finished"),
             what=f"lesson {lesson_id} to open")


# ---------------------------------------------------------------- the sandbox

def test_loads_with_sample(b):
    wait_for(lambda: b.find_all("#editor"), what="the editor (#editor) to render")
    assert_no_crash(b)
    check(b.find_all("#lesson-list .lesson-item"), "a first visit does not show the lesson list")
    b.click("#open-sandbox")
    text = editor_value(b)
    check("kind: Deployment" in text, f"the editor does not open with the sample Deployment:\n{text}")
    check("replicas: 3" in text, f"the sample in the editor does not ask for 3 replicas:\n{text}")
    lines = len(text.split("\n"))
    gutter = len(b.find_all(".gutter-line"))
    check(gutter == lines, f"the gutter numbers {gutter} lines but the editor has {lines}")
    check(b.find_all(".code-colors .y-key"), "the editor's YAML is not highlighted")
    nodes = b.script("return [...document.querySelectorAll('.node')].map(n => [n.dataset.node, n.dataset.role]);")
    workers = [n for n, role in nodes if role == "worker"]
    check(len(workers) >= 1, f"no worker node on the map: {nodes}")
    check(not pods(b), "pods are on the map before anything was applied")


def test_apply_and_run(b):
    b.click("#apply")
    ok = wait_for(lambda: b.find_all("#apply-ok") and b.text("#apply-ok"),
                  what="the apply result (#apply-ok)")
    check("created" in ok, f"applying the sample did not say 'created': {ok!r}")
    for _ in range(6):
        b.click("#advance")
    check(time_ms(b) == 60_000, f"after 6 × Advance 10s the clock reads {time_ms(b)} ms, not 60000")
    all_pods = pods(b)
    run = [p for p in all_pods if p["status"] == "Running"]
    check(len(run) == 3, f"expected 3 Running pods after 60s, found {len(run)}: {all_pods}")
    for p in run:
        check(p["text"] == "Running", f"pod {p['name']} shows {p['text']!r} but data-status is Running")
        check(p["role"] == "worker", f"pod {p['name']} runs on {p['node']} ({p['role']}), not a worker node")
    check(not b.find_all("#unscheduled .pod"), "pods are left in the Pending / unscheduled area")
    components = b.script("return [...document.querySelectorAll('.step')].map(s => s.dataset.component);")
    check(components and all(components), f"a step without a component: {components}")
    b.click("#advance-1s")
    b.click("#advance-1m")
    check(time_ms(b) == 121_000, f"+1s and +1m should reach 121000 ms, the clock reads {time_ms(b)}")
    assert_no_crash(b)


def test_flow_and_trail(b):
    # The learner's apply: from you (kubectl) to the API server, which stores it in etcd.
    b.click('.step[data-component="kubectl"] .step-row')
    wait_for(lambda: b.find_all(".you.active"), what="the kubectl box to light up for the apply")
    arrows = b.script("return [...document.querySelectorAll('.flow-overlay path.flow-arrow')].map(p => p.getAttribute('class'));")
    check(any("flow-write" in a for a in arrows), f"no write arrow for the apply: {arrows}")
    check(any("flow-store" in a for a in arrows), f"no arrow into etcd for the apply: {arrows}")
    check(any("flow-watch" in a for a in arrows), f"the apply woke nobody on the map: {arrows}")
    flow = b.text("#flow")
    check("kubectl" in flow and "/registry/deployments/default/web" in flow, f"the flow caption does not show the write:\n{flow}")
    # A scheduler step lights the scheduler.
    b.click('.step[data-component="default-scheduler"] .step-row')
    wait_for(lambda: b.find_all('.agent.active[data-agent="kube-scheduler"]'), what="the scheduler to light up")
    # The trail from the apply to every reaction.
    b.click('.step[data-component="kubectl"] .trail-btn')
    trail = wait_for(lambda: b.find_all("#trail") and b.text("#trail"), what="the trail (#trail)")
    for who in ["deployment-controller", "replicaset-controller", "default-scheduler", "kubelet/node-"]:
        check(who in trail, f"the trail of the apply does not reach {who}:\n{trail}")
    check(len(b.find_all(".trail-step")) >= 10, f"the trail is too short:\n{trail}")
    shot(b, "flow-and-trail.png")
    b.click("#close-trail")
    if b.find_all("#flow-newest"):
        b.click("#flow-newest")
    assert_no_crash(b)


def test_step_button(b):
    before = int(b.text("#step-count"))
    b.click("#step")
    after = int(b.text("#step-count"))
    check(after == before + 1 or notice(b),
          f"Step neither processed an event (count {before} -> {after}) nor said there was nothing to do")
    assert_no_crash(b)


def test_terminal(b):
    out = type_command(b, "kubectl get pods")
    check("kubectl get pods" in out, f"the terminal does not echo the command: {out!r}")
    check("NAME" in out and "Running" in out, f"`kubectl get pods` did not list running pods:\n{out}")
    # Pipes filter the output, as a shell's would.
    out = type_command(b, "kubectl get pods | grep -c Running")
    check(out.strip().endswith(str(len(running(b)))), f"`| grep -c Running` did not count the running pods:\n{out}")
    # Tab completes, in place.
    b.send_keys("#command", "kubectl get dep" + TAB)
    value = b.script("return document.getElementById('command').value;")
    check(value == "kubectl get deployments ", f"Tab completed 'kubectl get dep' to {value!r}")
    b.send_keys("#command", "w" + TAB)
    value = b.script("return document.getElementById('command').value;")
    check(value == "kubectl get deployments web ", f"Tab did not complete the deployment's name: {value!r}")
    b.send_keys("#command", ENTER)
    # History: the arrow brings back the last command.
    b.send_keys("#command", ARROW_UP)
    value = b.script("return document.getElementById('command').value;")
    check(value.strip() == "kubectl get deployments web", f"↑ did not bring back the last command: {value!r}")
    b.script("document.getElementById('command').value = '';")
    assert_no_crash(b)


def test_inspector(b):
    pod = running(b)[0]
    b.click(f'.pod[data-name="{pod}"] .pod-main')
    text = wait_for(lambda: b.find_all("#inspector") and b.text("#inspector"), what="the inspector")
    check(pod in text and "Events:" in text, f"the pod's story (describe) is not shown:\n{text[:1500]}")
    b.click('#inspector .tab[data-tab="yaml"]')
    text = b.text("#inspector .inspector-body")
    check("kind: Pod" in text and "ownerReferences" in text, f"the pod as stored is not shown:\n{text[:1500]}")
    b.click('#inspector .tab[data-tab="owners"]')
    chain = b.text("#owner-chain")
    check("ReplicaSet" in chain and "Deployment" in chain and "web" in chain, f"the owner chain is wrong: {chain!r}")
    b.click('#inspector .tab[data-tab="scheduling"]')
    heads = b.script("return [...document.querySelectorAll('#explain-table thead th')].map(t => t.textContent);")
    check(sum(1 for h in heads if h.startswith("node-")) == 3, f"the scheduler's table does not have the 3 workers: {heads}")
    check(any("control-plane" in h for h in heads), f"the control plane is not in the scheduler's table: {heads}")
    check(b.find_all("#explain-table td.cell.fail"), "no filter failed on any node (the control plane's taint should)")
    shot(b, "inspector-scheduling.png", docs=True)
    # Up the owner chain by clicking: the Deployment owns a ReplicaSet.
    b.click('#inspector .tab[data-tab="owners"]')
    b.click("#owner-chain li:last-child .obj-link")
    wait_for(lambda: b.text("#inspector-title") == "web", what="the Deployment to open from the chain")
    b.click('#inspector .tab[data-tab="owners"]')
    check("ReplicaSet" in b.text("#owned"), f"the deployment owns no ReplicaSet: {b.text('#owned')!r}")
    # A node: its allocation.
    b.click('.node[data-node="node-1"] .node-name')
    text = wait_for(lambda: b.text("#inspector-title") == "node-1" and b.text("#inspector .inspector-body"),
                    what="node-1 in the inspector")
    check("Allocated resources" in text, f"node-1's allocation is not shown:\n{text[:1500]}")
    # etcd: keys, revisions, a value at an old revision.
    b.click("#open-etcd")
    wait_for(lambda: b.find_all(".etcd-key"), what="etcd's keys")
    b.click('.etcd-key[data-key="/registry/deployments/default/web"]')
    revs = wait_for(lambda: b.find_all(".rev[data-rev]"), what="the key's revisions")
    check(len(revs) >= 2, "the deployment's key has fewer than 2 revisions")
    first = b.script("return document.querySelector('.rev[data-rev]').dataset.rev;")
    b.click(".rev[data-rev]")
    command = b.text(".inspector-command")
    check(f"--rev {first}" in command, f"the etcd value shown is not at revision {first}: {command!r}")
    check("web" in b.text("#etcd-value"), f"no value at revision {first}: {b.text('#etcd-value')!r}")
    shot(b, "inspector-etcd.png", docs=True)
    b.send_keys("#inspector", ESCAPE)
    wait_for(lambda: not b.find_all("#inspector"), what="Escape to close the inspector")
    assert_no_crash(b)


def test_rewind(b):
    before_ms = time_ms(b)
    before_pods = running(b)
    type_command(b, "kubectl scale deployment web --replicas=5")
    b.click("#advance")
    check(len(running(b)) == 5, f"scaling to 5 did not give 5 running pods: {pods(b)}")
    end_ms = time_ms(b)
    # Back to the moment the scale was typed: the cluster as it was, 3 pods.
    set_range(b, "#timeline", before_ms)
    wait_for(lambda: b.find_all("#rewound"), what="the timeline to say it is rewound")
    check(time_ms(b) == before_ms, f"rewound to {before_ms} ms but the clock reads {time_ms(b)}")
    check(running(b) == before_pods, f"rewound pods {running(b)} differ from before {before_pods}")
    check(int(b.script("return document.getElementById('timeline').max")) == end_ms,
          "the timeline lost its end after rewinding")
    shot(b, "rewound.png", docs=True)
    # Forward again through the recorded future.
    b.click("#to-end")
    wait_for(lambda: not b.find_all("#rewound"), what="Back to now")
    check(time_ms(b) == end_ms and len(running(b)) == 5, f"back at the end: {time_ms(b)} ms, {pods(b)}")
    # A mark on the timeline jumps to just after its command.
    marks = b.script("return [...document.querySelectorAll('.mark')].map(m => +m.dataset.at);")
    check(len(marks) >= 3, f"the timeline has too few command marks: {marks}")
    assert_no_crash(b)


def test_play(b):
    start = time_ms(b)
    b.script("document.getElementById('speed').value = '5';"
             "document.getElementById('speed').dispatchEvent(new Event('change', {bubbles: true}));")
    b.click("#play")
    time.sleep(1.0)
    b.click("#play")  # now Pause
    played = time_ms(b) - start
    check(played >= 5_000, f"playing at 20× for a second moved time by only {played} ms")
    paused = time_ms(b)
    time.sleep(0.4)
    check(time_ms(b) == paused, "time moved after Pause")
    b.script("document.getElementById('speed').value = '1';"
             "document.getElementById('speed').dispatchEvent(new Event('change', {bubbles: true}));")
    assert_no_crash(b)


def test_faults(b):
    victim = running(b)[0]
    b.click(f'.pod[data-name="{victim}"] .pod-kill')
    last = b.text(".term-entry:last-child")
    check(f"kubectl delete pod {victim}" in last, f"killing a pod did not run kubectl delete pod: {last!r}")
    b.click("#advance")
    check(victim not in running(b), f"the killed pod {victim} still runs")
    check(len(running(b)) == 5, f"the ReplicaSet did not replace the killed pod: {pods(b)}")
    # Fail a node: NotReady after the node controller's grace period.
    b.click('.node[data-node="node-3"] .node-fault')
    check("sim node fail node-3" in b.text(".term-entry:last-child"), "the ⚡ button did not fail node-3")
    b.click("#advance-1m")
    wait_for(lambda: b.script("return document.querySelector('.node[data-node=\"node-3\"]').dataset.ready;") == "false",
             what="node-3 to go NotReady")
    b.click('.node[data-node="node-3"] .node-recover')
    b.click("#advance")
    check(b.script("return document.querySelector('.node[data-node=\"node-3\"]').dataset.ready;") == "true",
          "node-3 did not come back after sim node recover")
    b.click("#add-node")
    wait_for(lambda: b.find_all('.node[data-node="node-4"]'), what="node-4 to join")
    assert_no_crash(b)


def node_marks(b, node):
    return b.script("return [...document.querySelectorAll(`.node[data-node=\"${arguments[0]}\"] .node-mark`)]"
                    ".map(m => [m.className.replace('node-mark ', ''), m.innerText.trim()]);", node)


def test_node_marks_and_pod_reasons(b):
    # A cordon, a taint and a failed kubelet show on their node's card.
    check(["taint", "node-role.kubernetes.io/control-plane:NoSchedule"] in node_marks(b, "control-plane"),
          f"the control plane's taint is not on its card: {node_marks(b, 'control-plane')}")
    type_command(b, "kubectl cordon node-2")
    check(["cordon", "cordoned"] in node_marks(b, "node-2"), f"node-2 does not show its cordon: {node_marks(b, 'node-2')}")
    check("SchedulingDisabled" in b.text('.node[data-node="node-2"] .node-status'), "node-2's status lacks SchedulingDisabled")
    type_command(b, "kubectl taint nodes node-1 dedicated=lesson:NoSchedule")
    check(["taint", "dedicated=lesson:NoSchedule"] in node_marks(b, "node-1"), f"node-1 does not show its taint: {node_marks(b, 'node-1')}")
    type_command(b, "sim node fail node-1")
    b.click("#advance-1m")
    marks = node_marks(b, "node-1")
    check(["condition", "Ready=Unknown"] in marks, f"node-1 does not show Ready=Unknown after its kubelet stopped: {marks}")
    check(any(kind == "taint" and "node.kubernetes.io/unreachable" in text for kind, text in marks),
          f"node-1 lacks the node controller's unreachable taint: {marks}")
    # Pods that cannot start show why, in their colour.
    type_command(b, "kubectl run broken --image=nginx:no-such-tag")
    type_command(b, 'kubectl run crasher --image=busybox -- sh -c "exit 1"')
    b.click("#advance-1m")
    by_name = {p["name"]: p for p in pods(b)}
    for name, status in [("broken", "ImagePullBackOff"), ("crasher", "CrashLoopBackOff")]:
        check(name in by_name and by_name[name]["status"] == status,
              f"pod {name} should show {status}: {by_name.get(name)}")
        tone = b.script(f"return document.querySelector('.pod[data-name=\"{name}\"]').className;")
        check("tone-bad" in tone, f"pod {name} ({status}) is not coloured as failing: {tone}")
    b.script("document.querySelector('.pod[data-name=\"broken\"]').scrollIntoView({block: 'end'});")
    shot(b, "node-marks-and-pod-reasons.png", docs=True)
    for line in ["sim node recover node-1", "kubectl uncordon node-2", "kubectl taint nodes node-1 dedicated-",
                 "kubectl delete pod broken crasher"]:
        type_command(b, line)
    b.click("#advance-1m")
    check(node_marks(b, "node-1") == [] and node_marks(b, "node-2") == [],
          f"the marks did not go away: {node_marks(b, 'node-1')} {node_marks(b, 'node-2')}")
    assert_no_crash(b)


# Every control has a name, text is readable, and the keyboard shows where it is.
ACCESSIBILITY_AUDIT = """
// Colours are judged at rest, not halfway through a transition.
const calm = document.createElement('style');
calm.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
document.head.appendChild(calm);
const named = el => (el.getAttribute('aria-label') || el.getAttribute('title') || el.innerText ||
    (el.id && document.querySelector(`label[for="${el.id}"]`)?.innerText) || el.getAttribute('placeholder') || '').trim();
const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const unnamed = [...document.querySelectorAll('button, input, select, textarea, [role=button], [role=slider]')]
    .filter(visible).filter(el => !named(el)).map(el => el.outerHTML.slice(0, 120));
const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || c[3] > 0.9) return c.slice(0, 3); } return [255, 255, 255]; };
const low = [];
for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) < 0.5) continue;
    const fg = rgb(style.color), bg = background(el);
    const [a, b] = [lum(fg.slice(0, 3)), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const large = parseFloat(style.fontSize) >= 18.66 || (parseFloat(style.fontSize) >= 14 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) low.push(`${ratio.toFixed(2)} ${el.tagName}.${el.className}: ${el.innerText.slice(0, 40)}`);
}
calm.remove();
return [unnamed, low];
"""


def test_accessibility(b):
    for where in ["sandbox", "lesson"]:
        if where == "lesson":
            open_lesson(b, "pod")
        unnamed, low = b.script(ACCESSIBILITY_AUDIT)
        check(not unnamed, f"controls without an accessible name ({where}):\n" + "\n".join(unnamed[:20]))
        check(not low, f"text below WCAG AA contrast ({where}):\n" + "\n".join(low[:20]))
    # The keyboard walks the controls, and the focused one is marked.
    b.script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    seen = []
    for _ in range(12):
        b._s("/actions", body={"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": TAB}, {"type": "keyUp", "value": TAB}]}]})
        seen.append(b.script("""
            const el = document.activeElement, s = getComputedStyle(el);
            const marked = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
            return [el.tagName, el.id || el.className, marked];"""))
    check(len({tuple(x[:2]) for x in seen}) >= 8, f"Tab does not move through the controls: {seen}")
    unmarked = [x for x in seen if x[0] != "BODY" and not x[2]]
    check(not unmarked, f"focused controls without a visible focus mark: {unmarked}")
    assert_no_crash(b)


def test_panels_resize(b):
    if not b.find_all("#open-sandbox"):
        b.click("#lessons-button")
    b.click("#open-sandbox")
    panel = "#editor-panel"
    before = b.script(f"return document.querySelector('{panel}').getBoundingClientRect().toJSON();")
    # Drag the panel's resize corner (bottom right) 120 px to the left.
    x, y = int(before["right"] - 3), int(before["bottom"] - 3)
    b._s("/actions", body={"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
        {"type": "pointerMove", "x": x, "y": y, "duration": 0},
        {"type": "pointerDown", "button": 0},
        {"type": "pointerMove", "x": x - 120, "y": y, "duration": 200},
        {"type": "pointerUp", "button": 0}]}]})
    after = b.script(f"return document.querySelector('{panel}').getBoundingClientRect().toJSON();")
    check(after["width"] < before["width"] - 60, f"dragging the editor's corner did not narrow it: {before['width']} -> {after['width']}")
    b.refresh()
    wait_for(lambda: b.find_all("#step"), what="the app after a reload")
    assert_no_crash(b)


def test_rollout_picture(b):
    image = b.script("return document.querySelector('.workload[data-deployment=\"web\"] .rs-image').innerText;")
    new_image = "nginx:1.27.3" if image != "nginx:1.27.3" else "nginx:1.29"
    type_command(b, f"kubectl set image deployment/web nginx={new_image}")
    b.click("#advance-1m")
    series = b.script("""return [...document.querySelectorAll('.rollout-chart[data-deployment="web"] .rc-series')]
        .map(g => [g.dataset.replicaset, g.getAttribute('class'), g.querySelector('.rc-ready').getAttribute('d')]);""")
    check(len(series) >= 2, f"the rollout picture does not show the old and the new ReplicaSet: {series}")
    check(all(d and d.startswith("M") for _, _, d in series), f"a ReplicaSet's line is empty: {series}")
    newest = [name for name, cls, _ in series if "newest" in cls]
    listed = b.script("return document.querySelector('.workload[data-deployment=\"web\"] .replicaset .rs-name').innerText;")
    check(newest and newest[0] in listed, f"the newest line is not the newest ReplicaSet ({listed}): {series}")
    label = b.script("return document.querySelector('.rollout-chart[data-deployment=\"web\"] svg').getAttribute('aria-label');")
    check(label and "web" in label, f"the rollout picture has no text alternative: {label!r}")
    b.script("document.querySelector('.rollout-chart[data-deployment=\"web\"]').scrollIntoView({block: 'center'});")
    shot(b, "rollout-picture.png", docs=True)
    # Pods grow in where they land (and hold still for those who ask for less motion).
    check(b.script("return getComputedStyle(document.querySelector('.pod')).animationName;") == "pod-in",
          "pods on the map have no arrival animation")
    cdp = lambda cmd, params: b._s("/goog/cdp/execute", body={"cmd": cmd, "params": params})
    cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    still = b.script("return getComputedStyle(document.querySelector('.pod')).animationName;")
    cdp("Emulation.setEmulatedMedia", {"features": []})
    check(still == "none", f"pods still animate with prefers-reduced-motion: {still!r}")
    # Let the rollout finish, so later tests start from a settled cluster.
    for _ in range(5):
        if all(p["status"] == "Running" for p in pods(b)) and \
                b.script("return document.querySelectorAll('.workload[data-deployment=\"web\"] .replicaset:not(.scaled-down)').length;") == 1:
            break
        b.click("#advance-1m")
    assert_no_crash(b)


def test_services_picture(b):
    """Service → endpoints → pods on the map; the Service in the inspector; its DNS name from a pod."""
    saved = editor_value(b)
    set_editor_fast(b, """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
""")
    b.click("#apply")
    b.click("#advance-1m")
    web_pods = [p["name"] for p in pods(b) if p["name"].startswith("web-") and p["status"] == "Running"]
    shown = b.script("""return [...document.querySelectorAll('.service[data-service="web"] .endpoint')]
        .map(e => [e.classList.contains('ready'), e.querySelector('.ep-pod') && e.querySelector('.ep-pod').innerText.replace('pod', '').trim()]);""")
    check(len(shown) == len(web_pods) and all(ready for ready, _ in shown),
          f"the web Service does not show its {len(web_pods)} ready endpoints: {shown}")
    check(sorted(name for _, name in shown) == sorted(web_pods), f"the endpoints are not the web pods: {shown} vs {web_pods}")
    check(b.find_all('.service[data-service="kubernetes"]'), "the API server's own Service is not on the map")
    dns = b.text('.service[data-service="web"] .svc-dns')
    check(dns == "web.default.svc.cluster.local", f"the Service's DNS name is wrong: {dns!r}")
    b.script("document.querySelector('.service[data-service=\"web\"]').scrollIntoView({block: 'center'});")
    shot(b, "services-picture.png", docs=True)
    b.click('.service[data-service="web"] .workload-name')
    text = wait_for(lambda: b.text("#inspector-title") == "web" and b.text("#inspector .inspector-body"),
                    what="the Service in the inspector")
    check("Endpoints:" in text and "IP Family Policy:" in text, f"the Service's describe is not shown:\n{text[:1200]}")
    b.click('#inspector .tab[data-tab="owners"]')
    check("EndpointSlice" in b.text("#owned"), f"the Service owns no EndpointSlice: {b.text('#owned')!r}")
    # kube-proxy's rules for it: the cluster IP jumps to a chain that picks an endpoint.
    b.click('#inspector .tab[data-tab="rules"]')
    rules = wait_for(lambda: b.text("#inspector .inspector-body"), what="the Service's kube-proxy rules")
    dnat = [line for line in rules.splitlines() if "DNAT --to-destination" in line]
    check("KUBE-SVC-" in rules and len(dnat) == len(web_pods),
          f"the rules do not send the cluster IP to each of the {len(web_pods)} pods:\n{rules[:1500]}")
    check("sim iptables" in b.text("#inspector"), "the rules tab does not say which command shows them")
    shot(b, "service-rules.png", docs=True)
    b.send_keys("#inspector", ESCAPE)
    type_command(b, "kubectl run dns-test --image=busybox:1.28 --restart=Never -- nslookup web")
    b.click("#advance-1m")
    out = type_command(b, "kubectl logs dns-test")
    check("web.default.svc.cluster.local" in out, f"cluster DNS did not answer for the Service: {out!r}")
    type_command(b, "kubectl delete pod dns-test")
    set_editor_fast(b, saved)
    assert_no_crash(b)


def test_gutter_follows_scroll(b):
    long_text = "".join(f"# line {n}\n" for n in range(1, 121))
    set_editor_fast(b, long_text)
    wait_for(lambda: len(b.find_all(".gutter-line")) == 121, what="121 gutter lines")
    b.script("document.getElementById('editor').scrollTop = 1e6;")

    def level():
        top, gutter_top, colors_top = b.script("""
            return [document.getElementById('editor').scrollTop,
                    document.querySelector('.gutter').scrollTop,
                    document.querySelector('.code-colors').scrollTop];
        """)
        return top > 0 and abs(top - gutter_top) <= 1 and abs(top - colors_top) <= 1 and (top, gutter_top)
    wait_for(level, timeout=5, what="the gutter and the colours to scroll with the text")
    # The last numbered line sits level with the text's last line.
    offset = b.script("""
        const t = document.getElementById('editor');
        const last = document.querySelector('.gutter-line[data-line="120"]');
        const lineTop = last.getBoundingClientRect().top;
        const textTop = t.getBoundingClientRect().top;
        const cs = getComputedStyle(t);
        const expected = textTop + parseFloat(cs.paddingTop) + 119 * parseFloat(cs.lineHeight) - t.scrollTop;
        return lineTop - expected;
    """)
    check(abs(offset) <= 1, f"gutter line 120 is {offset}px off its text line after scrolling")
    assert_no_crash(b)


def test_yaml_error_names_line(b):
    set_editor(b, BROKEN_MANIFEST)
    text = editor_value(b)
    check(text.strip() == BROKEN_MANIFEST.strip(), f"typing the broken manifest gave:\n{text}")
    b.click("#apply")
    err = wait_for(lambda: b.find_all("#apply-error") and b.text("#apply-error"),
                   what="the apply error (#apply-error)")
    check(f"line {BROKEN_LINE}" in err.lower(), f"the error does not name line {BROKEN_LINE}:\n{err}")
    marked = b.script("return [...document.querySelectorAll('.gutter-line.error')].map(l => l.dataset.line);")
    check(marked == [str(BROKEN_LINE)], f"the gutter marks lines {marked}, not [{BROKEN_LINE}]")
    check(len(running(b)) == 5, f"a rejected apply changed the pods: {pods(b)}")
    shot(b, "playground-yaml-error.png")
    assert_no_crash(b)


def test_templates(b):
    b.script("const s = document.getElementById('template'); s.value = '0';"
             "s.dispatchEvent(new Event('change', {bubbles: true}));")
    check("kind: Pod" in editor_value(b), f"the Pod template did not fill the editor:\n{editor_value(b)}")
    b.click("#apply")
    ok = wait_for(lambda: b.find_all("#apply-ok") and b.text("#apply-ok"), what="the template to apply")
    check("pod/hello created" in ok, f"the Pod template did not apply: {ok!r}")
    b.click("#delete")
    check("kubectl delete -f manifest.yaml" in b.text(".term-entry:last-child"), "Delete did not run kubectl delete -f")
    assert_no_crash(b)


def test_garbage_does_not_crash(b):
    for text in ["", "---\n---\n", "kind: [\n", "apiVersion: v1\nkind: Pod\n", "\t\u00e9\u4e2d: {{{\n"]:
        set_editor_fast(b, text)
        b.click("#apply")
        assert_no_crash(b)
    for command in ["", "kubectl", "kubectl get", "nonsense --x", "sim advance -5s", "kubectl get pods -o yaml", "help"]:
        b.send_keys("#command", command + ENTER)
        assert_no_crash(b)
    set_editor_fast(b, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: keep\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n")


def test_panels_collapse(b):
    for panel, selector in [("lesson", "#lesson-panel"), ("cluster", "#cluster"), ("editor", "#editor-panel"),
                            ("terminal", "#terminal"), ("steps", "#steps")]:
        button = f'.collapse-btn[data-panel="{panel}"]'
        check(b.script(f"return document.querySelector('{button}').getAttribute('aria-expanded');") == "true",
              f"the {panel} panel does not say it is expanded")
        b.click(button)
        check("collapsed" in b.script(f"return document.querySelector('{selector}').className;"),
              f"the {panel} panel did not collapse")
        check(b.script(f"return document.querySelector('{button}').getAttribute('aria-expanded');") == "false",
              f"the {panel} panel does not say it is collapsed")
    load(b)
    check("collapsed" in b.script("return document.getElementById('terminal').className;"),
          "collapsed panels did not survive a reload")
    for panel in ["lesson", "cluster", "editor", "terminal", "steps"]:
        b.click(f'.collapse-btn[data-panel="{panel}"]')
    check(b.find_all("#command") and b.find_all("#editor") and b.find_all(".map"), "a panel did not come back")
    # The keyboard works the controls: Enter on the focused Step button steps.
    before = int(b.text("#step-count"))
    b.script("document.getElementById('step').focus();")
    b.send_keys("#step", ENTER)
    check(int(b.text("#step-count")) == before + 1 or notice(b), "Enter on the focused Step button did nothing")
    assert_no_crash(b)


# ---------------------------------------------------------------- saving and sharing

def test_reload_persistence(b):
    b.click("#step")
    before = (time_ms(b), running(b), editor_value(b), b.text("#step-count"))
    load(b)
    wait_for(lambda: time_ms(b) == before[0], what=f"the clock to come back at {before[0]} ms")
    after = (time_ms(b), running(b), editor_value(b), b.text("#step-count"))
    check(after == before, f"a reload changed the playground:\nbefore {before}\nafter  {after}")
    check(not notice(b) or notice(b)[0] != "warning", f"a reload warned: {notice(b)}")
    assert_no_crash(b)


def test_language_switch(b):
    b.click('.seg[data-lang="ko"]')
    check("한 단계" in b.text("#step"), f"the Step button is not in Korean: {b.text('#step')!r}")
    check(b.script("return document.documentElement.lang;") == "ko", "the page's lang is not ko")
    check("적용" in b.text("#apply") and "터미널" in b.text("#terminal .panel-head"), "the editor or terminal is not in Korean")
    b.click("#lessons-button")
    check("레슨" in b.text("#lesson-panel"), "the lesson panel is not in Korean")
    # No English left in the chrome of the page (kubectl's own words aside).
    chrome = b.script("""
        return [...document.querySelectorAll('.topbar, .controlbar, .panel-head, #lesson-panel, .apply-result, .flow-caption')]
            .map(e => e.innerText).join('\\n');
    """)
    english = [w for w in ["Lessons", "Share", "Step", "Play", "Reset", "Cluster", "Manifest", "Apply", "Delete",
                           "Terminal", "Steps", "Add node", "Browse etcd", "virtual time", "wrote", "woke"]
               if w in chrome.replace("kubectl", "")]
    check(not english, f"English words left in the Korean UI: {english}")
    load(b)
    check("한 단계" in b.text("#step"), "the language was not remembered after a reload")
    shot(b, "korean.png", docs=True)
    b.click('.seg[data-lang="en"]')
    check("Step" in b.text("#step"), "switching back to English failed")
    assert_no_crash(b)


def test_shared_link(b):
    if b.find_all("#open-sandbox"):
        b.click("#open-sandbox")
    b.click("#share")
    link = wait_for(lambda: b.find_all("#share-url") and b.script("return document.getElementById('share-url').value;"),
                    what="the share link")
    check("#share=" in link, f"the share link has no scenario: {link[:200]}")
    expected = (time_ms(b), running(b))
    b.script("localStorage.clear();")
    b.get("about:blank")
    load(b, link)
    wait_for(lambda: notice(b), what="the shared link's notice")
    tone, text = notice(b)
    check(tone == "success", f"opening the shared link said: {tone} {text}")
    got = (time_ms(b), running(b))
    check(got == expected, f"the shared link rebuilt another cluster:\nexpected {expected}\ngot      {got}")
    check("#share=" not in b.script("return location.href;"), "the scenario stays in the address bar")
    dismiss_notice(b)
    assert_no_crash(b)


def test_broken_state_starts_clean(b):
    b.script("localStorage.setItem('kubeplay.state', '{this is not json');")
    load(b)
    tone, text = wait_for(lambda: notice(b), what="a message about the broken saved state")
    check(tone == "warning" and "fresh" in text.lower(), f"a broken saved state said: {tone} {text}")
    check(b.find_all("#editor") and time_ms(b) == 0, "a broken saved state did not give a clean start")
    assert_no_crash(b)
    # An old format too.
    b.script("localStorage.setItem('kubeplay.state', JSON.stringify({version: 0, active: 'sandbox', workspaces: {}}));")
    load(b)
    tone, text = wait_for(lambda: notice(b), what="a message about the old saved state")
    check(tone == "warning" and "another version" in text, f"an old saved state said: {tone} {text}")
    # A broken link, opened in a new page ...
    b.get("about:blank")
    load(b, URL + "#share=eyJub3QiOiAiYSBzY2VuYXJpbyJ9")
    tone, text = wait_for(lambda: notice(b), what="a message about the broken link")
    check(tone == "error" and "cannot be opened" in text, f"a broken link said: {tone} {text}")
    check(b.find_all("#editor"), "a broken link left no playground")
    assert_no_crash(b)
    # ... or pasted into the open page (only the hash changes).
    dismiss_notice(b)
    b.script("location.hash = 'share=bm90IGEgbGluaw';")
    tone, text = wait_for(lambda: notice(b), what="a message about the pasted broken link")
    check(tone == "error" and "cannot be opened" in text, f"a pasted broken link said: {tone} {text}")
    assert_no_crash(b)
    dismiss_notice(b)


# ---------------------------------------------------------------- lessons

def test_every_lesson_opens(b):
    b.click("#lessons-button")
    items = b.script("""
        return [...document.querySelectorAll('#lesson-list .lesson-item')].map(i =>
            [i.dataset.lesson, i.querySelector('.lesson-title').textContent]);
    """)
    check(len(items) >= 10, f"the lesson list has {len(items)} lessons")
    for lesson_id, title in items:
        open_lesson(b, lesson_id)
        got = b.text("#lesson-title")
        check(got == title, f"lesson {lesson_id} opened as {got!r}, not {title!r}")
        check(b.text("#step-title"), f"lesson {lesson_id} has no step title")
        check(b.find_all("#checks .check"), f"lesson {lesson_id} shows no checks")
        check(b.find_all("#checks .check.pending"), f"lesson {lesson_id} starts with every check passed")
        check(not notice(b) or notice(b)[0] not in ("error", "warning"), f"lesson {lesson_id}: {notice(b)}")
        assert_no_crash(b)


def do_step_as_a_learner(b):
    """Reads the solution, then types each command (applying manifests with the editor's button)."""
    b.click("#hint-toggle")
    check(b.text("#hint"), "the hint is empty")
    b.click("#solution-toggle")
    lines = b.script("return [...document.querySelectorAll('#solution .solution-lines code')].map(c => c.textContent);")
    check(lines, "the solution has no commands")
    for line in lines:
        words = line.split()
        if words[:3] == ["kubectl", "apply", "-f"] and len(words) == 4 and b.find_all(f'.file-tab[data-file="{words[3]}"]'):
            b.click(f'.file-tab[data-file="{words[3]}"]')
            b.click("#apply")
        else:
            type_command(b, line)
    return lines


def test_lesson_end_to_end(b):
    open_lesson(b, "architecture")
    total = len(b.find_all(".dots .dot"))
    check(total >= 3, f"lesson 1 has {total} steps")
    for index in range(total):
        check(int(b.script("return document.querySelector('.lesson-step').dataset.stepIndex;")) == index,
              f"expected to be on step {index + 1}")
        check(not b.find_all("#next-step"), f"step {index + 1}: the next step is unlocked before any work")
        do_step_as_a_learner(b)
        wait_for(lambda: b.find_all("#next-step"), what=f"step {index + 1}'s checks to pass")
        states = b.script("return [...document.querySelectorAll('#checks .check')].map(c => c.dataset.passed);")
        check(all(s == "true" for s in states), f"step {index + 1}: checks {states}")
        if index == 2:
            shot(b, "lesson.png", docs=True)
            # Progress survives a reload.
            load(b)
            check(int(b.script("return document.querySelector('.lesson-step').dataset.stepIndex;")) == index,
                  "the lesson's step was lost in a reload")
            wait_for(lambda: b.find_all("#next-step"), what="the done step to stay done after a reload")
        b.click("#next-step")
    wait_for(lambda: b.find_all("#lesson-finished"), what="the lesson to finish")
    b.click("#lessons-button")
    check(b.find_all('.lesson-item.is-done[data-lesson="architecture"]'), "the finished lesson is not marked done")
    assert_no_crash(b)


def test_docs_screenshots(b):
    """The README's screenshots, at 1280×720 (the smallest size the layout is made for)."""
    b.viewport(1280, 720)
    open_lesson(b, "replicaset")
    b.click("#solution-toggle")
    b.click("#run-solution")
    wait_for(lambda: b.find_all("#next-step"), what="the ReplicaSet step to pass")
    b.click("#next-step")
    b.click("#hint-toggle")
    b.script("document.querySelector('.lesson-body').scrollTop = 0;")
    shot(b, "lesson-1280.png", docs=True)
    if not b.find_all("#open-sandbox"):
        b.click("#lessons-button")
    b.click("#open-sandbox")
    b.click("#reset")
    b.click("#reset")
    check(time_ms(b) == 0 and not pods(b), f"Reset did not give a fresh cluster: {time_ms(b)} ms, {pods(b)}")
    set_editor_fast(b, """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources:
          requests:
            cpu: 500m
            memory: 256Mi
""")
    b.click("#apply")
    for _ in range(4):
        b.click("#step")
    b.click('.collapse-btn[data-panel="lesson"]')
    shot(b, "sandbox-flow-1280.png", docs=True)
    b.click('.collapse-btn[data-panel="lesson"]')
    b.viewport(1440, 900)
    assert_no_crash(b)


TESTS = [
    test_loads_with_sample,
    test_apply_and_run,
    test_flow_and_trail,
    test_step_button,
    test_terminal,
    test_inspector,
    test_rewind,
    test_play,
    test_faults,
    test_node_marks_and_pod_reasons,
    test_rollout_picture,
    test_services_picture,
    test_gutter_follows_scroll,
    test_yaml_error_names_line,
    test_templates,
    test_garbage_does_not_crash,
    test_panels_collapse,
    test_panels_resize,
    test_reload_persistence,
    test_language_switch,
    test_shared_link,
    test_broken_state_starts_clean,
    test_every_lesson_opens,
    test_lesson_end_to_end,
    test_accessibility,
    test_docs_screenshots,
]

# Screenshot after these tests, for a human to look at.
SHOTS = {
    "test_terminal": "playground-running.png",
}


def main():
    global URL, SHOT_DOCS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    ap.add_argument("--docs", action="store_true", help="also write the README's screenshots to docs/screenshots/")
    ap.add_argument("--only", help="run the tests up to and including this one")
    args = ap.parse_args()
    SHOT_DOCS = args.docs
    if SHOT_DOCS:
        os.makedirs(DOCS, exist_ok=True)

    index = os.path.join(args.dist, "index.html")
    if not os.path.isfile(index):
        print(f"FAILED: {index} does not exist: build the site first (cd frontend && trunk build --release --offline)")
        return 1

    server = serve(args.dist)
    URL = f"http://127.0.0.1:{server.server_address[1]}/"
    failed = 0
    tests = TESTS
    if args.only:
        names = [t.__name__ for t in TESTS]
        tests = TESTS[: names.index(args.only) + 1]
    try:
        with Chrome(args.chromium, args.chromedriver) as b:
            b.viewport(1440, 900)
            load(b)
            for test in tests:
                name = test.__name__
                started = time.monotonic()
                try:
                    test(b)
                except (Failure, WebDriverError, TimeoutError) as e:
                    failed += 1
                    path = os.path.join(ARTIFACTS, f"failed-{name}.png")
                    try:
                        b.screenshot(path)
                    except WebDriverError:
                        path = "(no screenshot)"
                    print(f"FAIL {name}: {e}\n     screenshot: {path}")
                    if isinstance(e, WebDriverError):
                        traceback.print_exc()
                    break  # later tests build on this one's state
                print(f"ok   {name} ({time.monotonic() - started:.1f}s)")
                if name in SHOTS:
                    shot(b, SHOTS[name])
            errors = [e for e in b.console_log() if e.get("level") == "SEVERE"]
            for e in errors:
                print(f"console error: {e.get('message')}")
            if errors and not failed:
                failed += 1
                print("FAIL the browser console has errors (above)")
    finally:
        server.shutdown()
    if failed:
        print("browser tests FAILED")
        return 1
    print(f"browser tests passed ({len(tests)} tests); screenshots in {os.path.relpath(ARTIFACTS, ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
