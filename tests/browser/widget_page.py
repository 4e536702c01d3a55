"""Driving the widget the way people do: through roles and names (the accessibility contract),
on the demo page the stack prints as "Web widget"."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPLY_TIMEOUT_MS = 90_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A fresh browser profile (its own localStorage: a new user). The pages' Content-Security-
    Policy stays on, except where a test injects axe-core (``bypass_csp=True``)."""
    context = browser.new_context(viewport=options.pop("viewport", DESKTOP), **options)
    context.set_default_timeout(REPLY_TIMEOUT_MS)
    return context


class WidgetPage:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self.requests.append(socket.url))

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def load(self) -> WidgetPage:
        self.page.goto(self.url)
        return self

    def open(self) -> WidgetPage:
        """Opens the chat with the launcher and waits for the greeting."""
        self.launcher.click()
        self.wait_for_reply()
        return self

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".kjtb-launcher")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    @property
    def input(self) -> Locator:
        return self.page.locator("#kjtb-input")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".kjtb-bot")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator(".kjtb-user")

    def last_bot(self) -> Locator:
        """The newest bot message now (it stays that message when newer ones come)."""
        return self.bot_messages.nth(self.bot_messages.count() - 1)

    def wait_for_reply(self) -> None:
        """Until the message in flight is settled and a bot message is on screen."""
        expect(self.bot_messages.first).to_be_visible()
        expect(self.page.locator(".kjtb-typing")).to_be_hidden()
        expect(self.page.locator(".kjtb-pending")).to_have_count(0)

    def ask(self, text: str) -> Locator:
        """Types a message, sends it with Enter, returns the last bot message after the turn."""
        before = self.bot_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.bot_messages).not_to_have_count(before)
        self.wait_for_reply()
        return self.last_bot()

    def choose(self, button: Locator) -> Locator:
        before = self.bot_messages.count()
        button.click()
        expect(self.bot_messages).not_to_have_count(before)
        self.wait_for_reply()
        return self.last_bot()

    def other_origins(self) -> list[str]:
        own = {self.origin, self.origin.replace("http", "ws", 1)}
        return [url for url in self.requests
                if not url.startswith("data:") and not any(url.startswith(o + "/") for o in own)]

    def axe_violations(self) -> list[dict[str, object]]:
        """axe-core's serious and critical violations on the whole page."""
        self.page.add_script_tag(path=str(AXE))
        results = self.page.evaluate("""async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }""")
        return [v for v in results if v["impact"] in ("serious", "critical")]


def traditional(text: str) -> bool:
    """Written in Traditional characters (a few that differ from Simplified)."""
    return bool(re.search(r"[們辦麼這個說過關與請區門點書證號]", text))
