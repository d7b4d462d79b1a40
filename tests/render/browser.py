"""Debian's Chromium, headless and offline, driven by Playwright (never its own download)."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]


@dataclass
class Visit:
    page: object
    failed: list = field(default_factory=list)  # requests that failed
    remote: list = field(default_factory=list)  # requests that left the machine's files


@contextmanager
def open_page(path: Path) -> Iterator[Visit]:
    """`path` opened from disk, with every failed and every non-local request recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS)
        page = browser.new_page()
        visit = Visit(page)
        # A video's range requests are aborted when it seeks (net::ERR_ABORTED): not failures.
        page.on("requestfailed", lambda request: visit.failed.append(
            (request.url, request.failure)) if "ERR_ABORTED" not in (request.failure or "")
            else None)
        page.on("request", lambda request: visit.remote.append(request.url)
                if not request.url.startswith(("file:", "data:")) else None)
        page.goto(path.resolve().as_uri())
        try:
            yield visit
        finally:
            browser.close()
