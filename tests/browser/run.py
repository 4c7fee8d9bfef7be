#!/usr/bin/env python3
"""Browser tests of the built playground (dist/) in real headless Chromium.

Serves dist/ on a free local port, drives the page through chromedriver like a
learner would, and saves screenshots to tests/artifacts/. Stdlib only.

    python3 tests/browser/run.py [--dist dist] [--chromium /usr/bin/chromium]
                                 [--chromedriver /usr/bin/chromedriver]
"""

import argparse
import functools
import http.server
import os
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import CONTROL, ENTER, Chrome, WebDriverError, wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")

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

def editor_value(b):
    return b.script("return document.getElementById('editor').value;")


def pods(b):
    """Every pod on the map: [{name, status, node, role}] (node None when unscheduled)."""
    return b.script("""
        return [...document.querySelectorAll('.pod')].map(p => {
            const node = p.closest('.node');
            return {
                name: p.dataset.name,
                status: p.dataset.status,
                text: p.querySelector('.pod-status').textContent,
                node: node ? node.dataset.node : null,
                role: node ? node.dataset.role : null,
            };
        });
    """)


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


# ---------------------------------------------------------------- the tests

def test_loads_with_sample(b):
    wait_for(lambda: b.find_all("#editor"), what="the editor (#editor) to render")
    assert_no_crash(b)
    text = editor_value(b)
    check("kind: Deployment" in text, f"the editor does not open with the sample Deployment:\n{text}")
    check("replicas: 3" in text, f"the sample in the editor does not ask for 3 replicas:\n{text}")
    lines = len(text.split("\n"))
    gutter = len(b.find_all(".gutter-line"))
    check(gutter == lines, f"the gutter numbers {gutter} lines but the editor has {lines}")
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
    time_ms = int(b.script("return document.getElementById('time').dataset.ms;"))
    check(time_ms == 60_000, f"after 6 × Advance 10s the clock reads {time_ms} ms, not 60000")

    all_pods = pods(b)
    running = [p for p in all_pods if p["status"] == "Running"]
    check(len(running) == 3,
          f"expected 3 Running pods after 60s, found {len(running)}: {all_pods}")
    for p in running:
        check(p["text"] == "Running", f"pod {p['name']} shows {p['text']!r} but data-status is Running")
        check(p["role"] == "worker", f"pod {p['name']} runs on {p['node']} ({p['role']}), not a worker node")
    check(not b.find_all("#unscheduled .pod"), "pods are left in the Pending / unscheduled area")
    steps = b.find_all(".step")
    check(steps, "the step log is empty after advancing")
    components = b.script("return [...document.querySelectorAll('.step')].map(s => s.dataset.component);")
    check(all(components), f"a step without a component: {components}")
    assert_no_crash(b)


def test_step_button(b):
    before = int(b.text("#step-count"))
    b.click("#step")
    after = int(b.text("#step-count"))
    notice = b.find_all("#notice")
    check(after == before + 1 or notice,
          f"Step neither processed an event (count {before} -> {after}) nor said there was nothing to do")
    assert_no_crash(b)


def test_terminal(b):
    b.send_keys("#command", "kubectl get pods" + ENTER)
    out = wait_for(lambda: b.find_all(".term-entry") and b.text(".term-entry:last-child"),
                   what="the terminal output")
    check("kubectl get pods" in out, f"the terminal does not echo the command: {out!r}")
    check("NAME" in out and "Running" in out, f"`kubectl get pods` did not list running pods:\n{out}")
    assert_no_crash(b)


def test_gutter_follows_scroll(b):
    long_text = "".join(f"# line {n}\n" for n in range(1, 121))
    b.script("""
        const t = document.getElementById('editor');
        t.value = arguments[0];
        t.dispatchEvent(new Event('input', {bubbles: true}));
    """, long_text)
    wait_for(lambda: len(b.find_all(".gutter-line")) == 121, what="121 gutter lines")
    b.script("document.getElementById('editor').scrollTop = 1e6;")
    def level():
        top, gutter_top = b.script("""
            return [document.getElementById('editor').scrollTop,
                    document.querySelector('.gutter').scrollTop];
        """)
        return top > 0 and abs(top - gutter_top) <= 1 and (top, gutter_top)
    wait_for(level, timeout=5, what="the gutter to scroll with the text")
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
    # The cluster is untouched by a rejected manifest.
    running = [p for p in pods(b) if p["status"] == "Running"]
    check(len(running) == 3, f"a rejected apply changed the pods: {pods(b)}")
    assert_no_crash(b)


def test_garbage_does_not_crash(b):
    for text in ["", "---\n---\n", "kind: [\n", "apiVersion: v1\nkind: Pod\n", "\t\u00e9\u4e2d: {{{\n"]:
        b.script("""
            const t = document.getElementById('editor');
            t.value = arguments[0];
            t.dispatchEvent(new Event('input', {bubbles: true}));
        """, text)
        b.click("#apply")
        assert_no_crash(b)
    for command in ["", "kubectl", "kubectl get", "nonsense --x", "sim advance -5s", "kubectl get pods -o yaml"]:
        b.send_keys("#command", command + ENTER)
        assert_no_crash(b)


TESTS = [
    test_loads_with_sample,
    test_apply_and_run,
    test_step_button,
    test_terminal,
    test_gutter_follows_scroll,
    test_yaml_error_names_line,
    test_garbage_does_not_crash,
]

# Screenshot after these tests, for a human to look at.
SHOTS = {
    "test_terminal": "playground-running.png",
    "test_yaml_error_names_line": "playground-yaml-error.png",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    args = ap.parse_args()

    index = os.path.join(args.dist, "index.html")
    if not os.path.isfile(index):
        print(f"FAILED: {index} does not exist: build the site first (cd frontend && trunk build --release --offline)")
        return 1

    server = serve(args.dist)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    failed = 0
    try:
        with Chrome(args.chromium, args.chromedriver) as b:
            b.get(url)
            for test in TESTS:
                name = test.__name__
                try:
                    test(b)
                except (Failure, WebDriverError, TimeoutError) as e:
                    failed += 1
                    shot = os.path.join(ARTIFACTS, f"failed-{name}.png")
                    try:
                        b.screenshot(shot)
                    except WebDriverError:
                        shot = "(no screenshot)"
                    print(f"FAIL {name}: {e}\n     screenshot: {shot}")
                    if isinstance(e, WebDriverError):
                        traceback.print_exc()
                    break  # later tests build on this one's state
                print(f"ok   {name}")
                if name in SHOTS:
                    b.screenshot(os.path.join(ARTIFACTS, SHOTS[name]))
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
    print(f"browser tests passed ({len(TESTS)} tests); screenshots in {os.path.relpath(ARTIFACTS, ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
