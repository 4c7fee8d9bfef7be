#!/usr/bin/env python3
"""Measures the built playground (dist/) in headless Chromium. Not part of CI.

    python3 tests/perf/perf.py [--dist dist] [--runs 5] [--steps 30]

Prints:
  - the shipped size: the .wasm and .js files, raw and gzipped (level 9);
  - time to interactive: navigation start to the app's first render
    (the `kubeplay-interactive` performance mark), fresh page, median of runs;
  - with 10 nodes and 200 pods, one Step including its render, two ways:
    the main thread's work per step (script, style, layout, paint: Chromium's
    TaskDuration from the DevTools Performance domain, averaged over the steps,
    less what a click on an inert element costs the same way), which is what
    must fit in a 16 ms frame; and the latency from the click to the next frame,
    which adds the wait for that frame (a click on an inert element shows the
    floor); also Advance 10s and a 20× Play tick.
"""

import argparse
import glob
import gzip
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))
from run import serve  # noqa: E402
from webdriver import ENTER, Chrome, wait_for  # noqa: E402

# The 200-replica Deployment (engine/src/bin/step_bench.rs measures the same one natively).
DEPLOYMENT = open(os.path.join(HERE, "many-pods.yaml")).read()

# Clicks a button, then resolves after the next frame: the action, its render and layout.
TIMED_CLICK = """
const [selector, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
document.querySelector(selector).click();
requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
"""


def sizes(dist):
    rows = []
    for pattern in ("*.wasm", "*.js", "*.css"):
        for path in glob.glob(os.path.join(dist, pattern)):
            data = open(path, "rb").read()
            rows.append((os.path.basename(path), len(data), len(gzip.compress(data, 9))))
    return rows


def script_async(b, source, *args):
    return b._s("/execute/async", body={"script": source, "args": list(args)})


def metrics(b):
    values = b._s("/goog/cdp/execute", body={"cmd": "Performance.getMetrics", "params": {}})["metrics"]
    return {m["name"]: m["value"] for m in values}


# The main thread's split of the last timed_clicks run, ms per click.
LAST_SPLIT = {}


def timed_clicks(b, selector, count):
    """Latencies of `count` timed clicks (sorted) and the main thread's busy ms per click."""
    b._s("/goog/cdp/execute", body={"cmd": "Performance.enable", "params": {"timeDomain": "threadTicks"}})
    before = metrics(b)
    latencies = sorted(script_async(b, TIMED_CLICK, selector) for _ in range(count))
    after = metrics(b)
    for name in ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"):
        LAST_SPLIT[name] = (after[name] - before[name]) * 1000 / count
    return latencies, LAST_SPLIT["TaskDuration"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()

    print("== shipped size")
    total_raw = total_gz = 0
    for name, raw, gz in sizes(args.dist):
        print(f"  {name:50s} {raw / 1024:9.1f} KiB  gzip {gz / 1024:8.1f} KiB")
        if not name.endswith(".css"):
            total_raw += raw
            total_gz += gz
    print(f"  {'wasm + js':50s} {total_raw / 1024:9.1f} KiB  gzip {total_gz / 1024:8.1f} KiB")

    server = serve(args.dist)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with Chrome(args.chromium, args.chromedriver) as b:
            b._s("/timeouts", body={"script": 120_000})
            b.viewport(1440, 900)
            print("== time to interactive (navigation start to first render)")
            times = []
            for _ in range(args.runs):
                b.get("about:blank")
                b.get(url)
                ms = wait_for(lambda: b.script(
                    "const m = performance.getEntriesByName('kubeplay-interactive')[0];"
                    "return m ? m.startTime : null;"), timeout=30, what="the interactive mark")
                times.append(ms)
                b.script("localStorage.clear();")
            print(f"  median {statistics.median(times):.0f} ms  (runs: {', '.join(f'{t:.0f}' for t in times)})")

            print("== 10 nodes, 200 pods")
            b.get(url)
            wait_for(lambda: b.find_all("#open-sandbox"), what="the app")
            b.click("#open-sandbox")
            for n in range(4, 11):
                b.send_keys("#command", f"sim node add node-{n}" + ENTER)
            b.script("""
                const t = document.getElementById('editor');
                t.value = arguments[0];
                t.dispatchEvent(new Event('input', {bubbles: true}));
            """, DEPLOYMENT)
            b.click("#apply")
            nodes = len(b.find_all('.node[data-role="worker"]'))
            # Let the pods come up, but stop while reactions are still going on.
            for _ in range(3):
                b.click("#advance-1s")
            pods = len(b.find_all(".pod"))
            print(f"  {nodes} worker nodes, {pods} pods on the map, {b.text('#step-count')} steps so far")
            inert, inert_work = timed_clicks(b, ".clock", args.steps)
            steps, work = timed_clicks(b, "#step", args.steps)
            p90 = steps[int(len(steps) * 0.9) - 1]
            print(f"  Step + render, main-thread work: {work - inert_work:.1f} ms per step "
                  f"(script {LAST_SPLIT['ScriptDuration']:.1f}, style and layout {LAST_SPLIT['RecalcStyleDuration'] + LAST_SPLIT['LayoutDuration']:.1f}; "
                  f"{work:.1f} ms less {inert_work:.1f} ms for an inert click)")
            print(f"  Step + render, click to next frame: median {statistics.median(steps):.1f} ms, p90 {p90:.1f} ms, max {steps[-1]:.1f} ms "
                  f"({len(steps)} steps; an inert click: median {statistics.median(inert):.1f} ms)")
            adv = [script_async(b, TIMED_CLICK, "#advance") for _ in range(3)]
            print(f"  Advance 10s + render: {', '.join(f'{a:.0f}' for a in adv)} ms")
            running = sum(1 for s in b.script("return [...document.querySelectorAll('.pod')].map(p => p.dataset.status);") if s == "Running")
            print(f"  now {running} pods Running")
            # A tick of Play at 20x: 2 s of virtual time, measured like a click on +1s twice.
            ticks = [script_async(b, TIMED_CLICK, "#advance-1s") for _ in range(5)]
            print(f"  Advance 1s + render (half a 20x Play tick): median {statistics.median(ticks):.1f} ms")
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
