"""Cutting the server under an open widget: the notice, the message typed meanwhile kept and
sent on reconnection, the same conversation continued. Restarts the session's stack, so it runs
after the other browser tests (file order)."""

from __future__ import annotations

from conftest import StackProcess
from playwright.sync_api import Browser, expect
from widget_page import WidgetPage, new_context

# the longest reconnection delay (7.5 s), then the answer
RECONNECT_WAIT_MS = 20_000


def test_cut_the_server_see_the_notice_and_continue(browser: Browser,
                                                    stack_process: StackProcess) -> None:
    context = new_context(browser, locale="zh-HK")
    widget = WidgetPage(context.new_page(), stack_process.urls["Web widget"]).load().open()
    widget.ask("你好")
    before = widget.bot_messages.count()

    stack_process.stop()
    expect(widget.page.get_by_role("status")).to_contain_text("中斷")
    widget.input.fill("我喺香港，可唔可以辦江門嘅物業登記？")
    widget.input.press("Enter")
    expect(widget.page.locator(".kjtb-pending")).to_have_count(1)  # kept, waiting

    stack_process.start()  # same ports, same conversation store, same session secret
    # Socket.IO retries with a backoff of up to 5 s, randomised by half again (connection.js),
    # so the widget may be back several seconds after the server is
    expect(widget.bot_messages).to_have_count(before + 1, timeout=RECONNECT_WAIT_MS)
    widget.wait_for_reply()
    expect(widget.last_bot()).to_contain_text("不動產登記")
    expect(widget.page.get_by_role("status")).to_contain_text("已重新連接")
    expect(widget.user_messages.filter(has_text="你好")).to_have_count(1)
    context.close()
