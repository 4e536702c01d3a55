"""The web widget in Chromium against the real stack, as people use it: on the demo page that
`make run` prints, by mouse and by keyboard, in 繁, 简 and EN (issue 8)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import EMBEDDING_SITE, StackProcess
from playwright.sync_api import Browser, expect
from widget_page import PHONE, WidgetPage, new_context, traditional

# near 江门市人民政府行政服务中心 (蓬江区堤西路88号): the coordinates of the team's contract 2
NEAR_ADMIN_CENTRE = {"latitude": 22.58, "longitude": 113.08}


@pytest.fixture
def widget(browser: Browser, stack_process: StackProcess) -> WidgetPage:
    context = new_context(browser, locale="zh-HK")
    yield WidgetPage(context.new_page(), stack_process.urls["Web widget"]).load()
    context.close()


def test_greet_ask_in_cantonese_click_a_button_and_reload(widget: WidgetPage) -> None:
    widget.open()
    greeting = widget.ask("你好")
    expect(greeting).to_contain_text("跨境通辦")
    answer = widget.ask("我喺香港，可唔可以辦江門嘅物業登記？")
    assert traditional(answer.inner_text())
    expect(answer).to_contain_text("不動產登記")
    materials = answer.get_by_role("button", name="所需材料")
    reply = widget.choose(materials)
    expect(reply).to_contain_text("材料")
    expect(widget.user_messages.last).to_contain_text("所需材料")
    # the chosen answer stays, readable, marked as chosen
    expect(answer.get_by_role("button", name=re.compile("所需材料.*已選"))).to_be_visible()
    # new bot messages were read out through the hidden live region
    assert widget.page.evaluate(
        "() => document.querySelector('.kjtb-sr[aria-live]').textContent").startswith("助手")

    shown_before, bot_count = widget.log.inner_text(), widget.bot_messages.count()
    widget.page.reload()
    expect(widget.bot_messages).to_have_count(bot_count)  # the panel stays open, history shown
    expect(widget.user_messages.filter(has_text="所需材料")).to_have_count(1)
    expect(widget.user_messages.filter(has_text="物業登記")).to_have_count(1)
    assert widget.log.inner_text() == shown_before


def test_no_request_goes_to_another_origin(widget: WidgetPage) -> None:
    widget.open()
    widget.ask("你好")
    assert widget.requests and widget.other_origins() == []


def test_switch_to_english_and_get_english_replies(widget: WidgetPage) -> None:
    widget.open()
    widget.page.get_by_role("button", name="EN English").click()
    expect(widget.page.get_by_role("textbox", name="Type your question")).to_be_visible()
    # written in Chinese, answered in English: the explicit choice wins
    answer = widget.ask("我在香港，可以办江门的不动产登记吗？")
    expect(answer).to_contain_text("without crossing the border")
    assert not traditional(answer.inner_text().split("Source")[0])


def test_the_shared_location_is_sent_as_the_contract_payload(
        browser: Browser, stack_process: StackProcess) -> None:
    context = new_context(browser, locale="zh-HK", geolocation=NEAR_ADMIN_CENTRE,
                          permissions=["geolocation"])
    widget = WidgetPage(context.new_page(), stack_process.urls["Web widget"]).load().open()
    page = widget.page
    page.get_by_role("button", name="最近的服務點").click()
    expect(page.get_by_text("你的位置只用來找出最近的服務點")).to_be_visible()
    widget.choose(page.get_by_role("button", name="分享我的位置"))
    expect(widget.user_messages.last).to_contain_text("已分享我的位置")
    stored = page.evaluate("""async () => {
        const s = JSON.parse(localStorage.getItem('kjtb.session'));
        const r = await fetch('/widget/history',
                              {headers: {Authorization: 'Bearer ' + s.session_id + '.' + s.token}});
        return (await r.json()).messages.filter(m => m.from === 'user').map(m => m.text);
    }""")
    assert stored[-1] == "/share_location" + json.dumps(NEAR_ADMIN_CENTRE, separators=(",", ":"))
    context.close()


def test_a_location_near_the_admin_centre_ranks_it_first_with_a_distance(
        browser: Browser, stack_process: StackProcess) -> None:
    context = new_context(browser, locale="zh-HK", geolocation=NEAR_ADMIN_CENTRE,
                          permissions=["geolocation"])
    widget = WidgetPage(context.new_page(), stack_process.urls["Web widget"]).load().open()
    widget.page.get_by_role("button", name="最近的服務點").click()
    answer = widget.choose(widget.page.get_by_role("button", name="分享我的位置")).inner_text()
    context.close()
    first_point = next(line for line in answer.splitlines() if line.startswith("1."))
    assert "江門市人民政府行政服務中心" in first_point
    assert re.search(r"\d+(\.\d+)?\s*(公里|米|km|m)", first_point)


def test_denied_geolocation_offers_the_region_buttons(widget: WidgetPage) -> None:
    widget.open()
    page = widget.page
    page.get_by_role("button", name="最近的服務點").click()
    answer = widget.choose(page.get_by_role("button", name="分享我的位置"))
    expect(page.locator(".kjtb-notice").last).to_contain_text("未能取得你的位置")
    expect(answer.get_by_role("button", name="香港")).to_be_visible()
    expect(answer.get_by_role("button", name="澳門")).to_be_visible()


def test_bot_text_is_shown_as_text_and_runs_nothing(widget: WidgetPage) -> None:
    page = widget.page
    sockets = []

    def through(socket):  # the real server, plus one message of our own to the page
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r".*/socket\.io/.*"), through)
    page.reload()
    widget.open()
    hostile = ('<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>\n'
               "第二行 https://www.jiangmen.gov.cn/ 。")
    sockets[-1].send("42" + json.dumps(["bot_uttered", {"text": hostile}]))
    message = widget.last_bot()
    expect(message).to_contain_text('<img src=x onerror="window.hacked=1">')
    assert message.locator("img, script").count() == 0
    assert page.evaluate("() => window.hacked") is None
    link = message.get_by_role("link")
    expect(link).to_have_attribute("href", "https://www.jiangmen.gov.cn/")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert "\n第二行" in message.locator(".kjtb-text").inner_text()  # the line break is kept


def test_axe_finds_nothing_serious_on_desktop_and_phone(
        browser: Browser, stack_process: StackProcess, artifacts: Path) -> None:
    context = new_context(browser, locale="zh-HK", bypass_csp=True)  # to inject axe-core
    widget = WidgetPage(context.new_page(), stack_process.urls["Web widget"]).load().open()
    assert widget.axe_violations() == []
    widget.page.screenshot(path=str(artifacts / "widget-desktop.png"))
    widget.page.set_viewport_size(PHONE)
    assert widget.axe_violations() == []
    widget.page.screenshot(path=str(artifacts / "widget-phone.png"))
    widget.page.get_by_role("button", name="大字").click()
    assert widget.axe_violations() == []
    widget.page.screenshot(path=str(artifacts / "widget-phone-larger-text.png"))
    # nothing sideways to scroll at 360 px
    assert widget.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    widget.page.goto(widget.url.replace("/demo", "/accessibility"))
    assert widget.axe_violations() == []
    context.close()


def test_keyboard_alone_asks_chooses_and_walks_the_transcript(widget: WidgetPage) -> None:
    page = widget.page
    focused = "() => document.activeElement"
    for _ in range(30):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if page.evaluate(f"{focused}.classList.contains('kjtb-launcher')"):
            break
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    widget.wait_for_reply()
    page.keyboard.type("我喺香港，可唔可以辦江門嘅物業登記？")
    page.keyboard.press("Enter")
    widget.wait_for_reply()
    expect(widget.input).to_be_focused()  # the answer did not take the focus

    for _ in range(3):  # back past the shortcuts to the transcript
        page.keyboard.press("Shift+Tab")
    answer = widget.last_bot()
    expect(answer).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(widget.user_messages.last).to_be_focused()
    page.keyboard.press("Home")
    expect(widget.bot_messages.first).to_be_focused()
    page.keyboard.press("End")
    expect(answer).to_be_focused()

    page.keyboard.press("Enter")  # into the message's buttons
    first_button = answer.get_by_role("button").first
    expect(first_button).to_be_focused()
    choice = first_button.inner_text().strip()
    page.keyboard.press("Enter")
    widget.wait_for_reply()
    expect(widget.user_messages.last).to_contain_text(choice)
    expect(answer.get_by_role("button").first).to_be_focused()  # still where the user was
    page.keyboard.press("Escape")
    expect(widget.input).to_be_focused()
    page.keyboard.press("Escape")  # closes the window, back to the launcher
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


def test_the_accessibility_tree_shows_the_log_the_input_and_named_buttons(
        widget: WidgetPage) -> None:
    widget.open()
    tree = widget.page.locator(".kjtb").aria_snapshot()
    for part in ('dialog "跨境通辦助手"', 'log "對話記錄"', 'textbox "輸入你的問題"',
                 'button "發送"', 'button "繁體中文" [pressed]', 'button "EN English"',
                 'button "最近的服務點"', 'button "聯繫人工"', 'link "無障礙',
                 'button "查找服務點"'):
        assert part in tree, tree


def test_over_long_input_gets_a_clear_error_and_is_kept(widget: WidgetPage) -> None:
    widget.open()
    limit = widget.page.evaluate("async () => (await (await fetch('/widget/config.json'))"
                                 ".json()).max_message_chars")
    too_long = "辦" * (limit + 1)
    widget.input.fill(too_long)
    widget.input.press("Enter")
    expect(widget.input).to_have_attribute("aria-invalid", "true")
    expect(widget.page.locator("#kjtb-input-error")).to_contain_text(str(limit))
    expect(widget.input).to_have_value(too_long)
    expect(widget.user_messages).to_have_count(0)


def test_a_whole_booking_in_the_widget(widget: WidgetPage) -> None:
    widget.open()
    times = widget.ask("我想預約視像辦物業登記")
    expect(widget.choose(times.get_by_role("button").first)).to_contain_text("名")
    expect(widget.ask("陳大文")).to_contain_text("電話")
    id_types = widget.ask("+852 9123 4567")
    expect(id_types).to_contain_text("證件")
    expect(widget.choose(id_types.get_by_role("button", name="香港身份證"))).to_contain_text("號碼")
    summary = widget.ask("A123456(3)")
    expect(summary).to_contain_text("****4563")
    widget.ask("好")  # the confirmation, then the 好差评 rating offer
    expect(widget.bot_messages.filter(has_text="預約編號：JM-")).to_have_count(1)


def test_one_tag_embeds_the_widget_in_another_site(browser: Browser,
                                                  stack_process: StackProcess) -> None:
    assistant = stack_process.urls["Web widget"].rsplit("/widget/", 1)[0]
    page_html = (f'<!DOCTYPE html><html lang="en"><title>A site</title><h1>A site</h1>'
                 f'<script src="{assistant}/widget/widget.js" data-lang="en"></script></html>')
    # deployed, both sites are public; here the stack is on loopback, which Chromium lets another
    # origin reach only with the "local network access" permission
    context = new_context(browser, locale="en-GB", permissions=["local-network-access"])
    context.route(f"{EMBEDDING_SITE}/**", lambda route: route.fulfill(
        body=page_html, content_type="text/html; charset=utf-8"))
    widget = WidgetPage(context.new_page(), f"{EMBEDDING_SITE}/page")
    problems: list[str] = []
    widget.page.on("console", lambda message: problems.append(message.text))
    widget.load()
    launcher = widget.page.get_by_role("button", name="Ask us online")
    try:
        expect(launcher).to_be_visible(timeout=20_000)
    except AssertionError as error:
        raise AssertionError(f"the widget did not load: {problems}") from error
    launcher.click()
    widget.wait_for_reply()
    expect(widget.ask("hello")).to_contain_text("Hello")
    context.close()
