"""Drive Debian's headless Chromium over the DevTools protocol, with no extra package.

Chromium's ``--remote-debugging-pipe`` speaks the DevTools protocol as NUL-terminated JSON on
file descriptors 3 (commands in) and 4 (replies and events out), so the standard library is
enough: no websocket client, no playwright. Used by the report's browser test and to take the
screenshots a reviewer looks at::

    with HeadlessBrowser.launch() as browser:
        page = browser.open(Path('report.html'), width=390)
        page.evaluate('document.documentElement.scrollWidth')
        page.screenshot(Path('report-390.png'))

Or from a shell: ``python -m tests.support.headless_browser report.html out.png 390``.

The viewport is set by ``Emulation.setDeviceMetricsOverride``, not by ``--window-size``: a
headless window is never narrower than 500 px, so a 390 px phone must be emulated (with
``mobile`` on, the page's ``<meta name="viewport">`` applies as on a phone).
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

#: Executable names tried in order (Debian: chromium; others: chromium-browser, google-chrome).
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 30.0


class BrowserError(RuntimeError):
    """The browser failed to start, died, or answered a command with an error."""


def find_browser() -> str | None:
    """Path of a Chromium-family browser: ``$COVERAGE_TEST_BROWSER`` first, then ``PATH``.

    A configured path is returned as it is, so a wrong one fails at launch instead of
    quietly skipping the browser test.
    """
    configured = os.environ.get("COVERAGE_TEST_BROWSER")
    if configured:
        return configured
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class HeadlessBrowser:
    """One headless Chromium process with a private profile; use as a context manager."""

    def __init__(self, process: subprocess.Popen[bytes], commands: int, replies: int, profile: str) -> None:
        self._process = process
        self._commands = commands
        self._replies = replies
        self._profile = profile
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    @classmethod
    def launch(cls, executable: str | None = None) -> HeadlessBrowser:
        path = executable or find_browser()
        if path is None:
            raise BrowserError("no Chromium-family browser found")
        profile = tempfile.mkdtemp(prefix="coverage-browser-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def wire_fds() -> None:
            # In the child, before exec: fd 3 reads our commands, fd 4 carries the replies. Copy
            # first, so neither pipe end is overwritten when it already sits on 3 or 4.
            commands, replies = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(commands, 3)
            os.dup2(replies, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [path, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--no-first-run", "--no-default-browser-check", "--mute-audio",
                f"--user-data-dir={profile}", "about:blank"]
        try:
            process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, preexec_fn=wire_fds,  # noqa: PLW1509
                                       pass_fds=(3, 4))
        except OSError:
            for fd in (to_browser_r, to_browser_w, from_browser_r, from_browser_w):
                os.close(fd)
            shutil.rmtree(profile, ignore_errors=True)
            raise
        os.close(to_browser_r)
        os.close(from_browser_w)
        return cls(process, to_browser_w, from_browser_r, profile)

    # -- protocol ----------------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its reply (events seen meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return dict(reply.get("result", {}))
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, method: str, session: str | None = None) -> dict[str, Any]:
        """Wait for an event (one already received counts)."""
        while True:
            for n, event in enumerate(self._events):
                if event.get("method") == method and (session is None or event.get("sessionId") == session):
                    del self._events[n]
                    return event
            self._events.append(self._read())

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        selector = selectors.DefaultSelector()
        selector.register(self._replies, selectors.EVENT_READ)
        try:
            while b"\0" not in self._buffer:
                if not selector.select(max(0.0, deadline - time.monotonic())):
                    raise BrowserError(f"no answer from the browser within {TIMEOUT_S:.0f} s")
                chunk = os.read(self._replies, 1 << 16)
                if not chunk:
                    raise BrowserError(f"the browser exited (status {self._process.poll()})")
                self._buffer += chunk
        finally:
            selector.close()
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    # -- pages -------------------------------------------------------------------------------
    def open(self, path: Path, width: int, height: int = 900) -> Page:
        """A new tab showing ``path`` at a ``width`` x ``height`` CSS-pixel viewport, loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, width, height)
        page.resize(height)
        self.send("Page.enable", session=session)
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return page

    def close(self) -> None:
        try:
            if self._process.poll() is None:
                try:
                    self.send("Browser.close")
                except BrowserError:
                    pass
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
        finally:
            os.close(self._commands)
            os.close(self._replies)
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> HeadlessBrowser:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


class Page:
    """One tab with an emulated viewport."""

    def __init__(self, browser: HeadlessBrowser, session: str, width: int, height: int) -> None:
        self.browser, self.session, self.width, self.height = browser, session, width, height

    def resize(self, height: int) -> None:
        self.height = height
        self.browser.send("Emulation.setDeviceMetricsOverride", {
            "width": self.width, "height": height, "deviceScaleFactor": 1, "mobile": self.width < 500,
        }, session=self.session)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                   session=self.session)
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, out: Path, full_page: bool = True) -> Path:
        """A PNG of the viewport, or of the whole page (the viewport is stretched to fit it)."""
        if full_page:
            self.resize(int(self.evaluate("document.documentElement.scrollHeight")))
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
        out.write_bytes(base64.b64decode(data))
        return out


def main(argv: list[str]) -> int:
    """``python -m tests.support.headless_browser PAGE.html OUT.png WIDTH``: a full-page screenshot."""
    if len(argv) != 3:
        print("usage: python -m tests.support.headless_browser PAGE.html OUT.png WIDTH", file=sys.stderr)
        return 2
    with HeadlessBrowser.launch() as browser:
        page = browser.open(Path(argv[0]), int(argv[2]))
        page.screenshot(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
