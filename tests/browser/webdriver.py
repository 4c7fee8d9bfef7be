"""A tiny W3C WebDriver client on the standard library, for chromedriver.

Only what the browser tests use: a session, navigation, finding elements,
clicking, typing, running scripts, screenshots and the browser's console log.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

# The W3C key for a web element reference in JSON.
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# Special keys for send_keys (WebDriver spec, "keyboard actions").
CONTROL = "\ue009"
ENTER = "\ue007"
TAB = "\ue004"
ESCAPE = "\ue00c"
ARROW_UP = "\ue013"


class WebDriverError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Polls predicate until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except WebDriverError as e:  # element not there yet, stale, ...
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}"
                       + (f" (last error: {last_error})" if last_error else ""))


class Chrome:
    """chromedriver + headless Chromium, closed on exit."""

    FLAGS = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ]

    def __init__(self, chromium, chromedriver, width=1440, height=1000):
        self.profile = tempfile.mkdtemp(prefix="kubeplay-chromium-")
        self.port = free_port()
        self.log = open(os.path.join(self.profile, "chromedriver.log"), "w")
        self.driver = subprocess.Popen(
            [chromedriver, f"--port={self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = None
        try:
            wait_for(self._driver_ready, timeout=20, what="chromedriver to start")
            caps = {
                "capabilities": {
                    "alwaysMatch": {
                        "browserName": "chrome",
                        "goog:chromeOptions": {
                            "binary": chromium,
                            "args": self.FLAGS + [
                                f"--user-data-dir={os.path.join(self.profile, 'profile')}",
                                f"--window-size={width},{height}",
                            ],
                        },
                        "goog:loggingPrefs": {"browser": "ALL"},
                    }
                }
            }
            self.session = self._request("POST", "/session", caps)["sessionId"]
        except Exception:
            self.close()
            raise

    # -- plumbing --

    def _driver_ready(self):
        try:
            with urllib.request.urlopen(self.base + "/status", timeout=1) as r:
                return json.load(r)["value"].get("ready")
        except (OSError, ValueError):
            return False

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            try:
                value = json.load(e)["value"]
                message = f"{value.get('error')}: {value.get('message', '').splitlines()[0]}"
            except (ValueError, KeyError, IndexError, AttributeError):
                message = str(e)
            raise WebDriverError(f"{method} {path}: {message}") from None

    def _s(self, path, method="POST", body=None):
        if body is None and method == "POST":
            body = {}
        return self._request(method, f"/session/{self.session}{path}", body)

    # -- the API the tests use --

    def get(self, url):
        self._s("/url", body={"url": url})

    def find(self, css):
        """The first element matching css (raises WebDriverError when none does)."""
        return self._s("/element", body={"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        found = self._s("/elements", body={"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def click(self, css):
        self._s(f"/element/{self.find(css)}/click")

    def send_keys(self, css, text):
        self._s(f"/element/{self.find(css)}/value", body={"text": text})

    def text(self, css):
        return self._s(f"/element/{self.find(css)}/text", method="GET")

    def script(self, source, *args):
        return self._s("/execute/sync", body={"script": source, "args": list(args)})

    def refresh(self):
        self._s("/refresh")

    def viewport(self, width, height):
        """Makes the page's viewport exactly width × height CSS pixels."""
        self._s("/goog/cdp/execute", body={
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        })

    def screenshot(self, path):
        """Saves a PNG of the whole page (not only the viewport)."""
        png = self._s("/goog/cdp/execute", body={
            "cmd": "Page.captureScreenshot",
            "params": {"format": "png", "captureBeyondViewport": True},
        })["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def console_log(self):
        """Browser console entries since the last call: [{level, message}]."""
        try:
            return self._s("/se/log", body={"type": "browser"})
        except WebDriverError:
            return []

    def close(self):
        if self.session:
            try:
                self._request("DELETE", f"/session/{self.session}")
            except (WebDriverError, OSError):
                pass
            self.session = None
        if self.driver.poll() is None:
            self.driver.terminate()
            try:
                self.driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
