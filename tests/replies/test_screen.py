"""Replies fit a phone screen: at most about 300 Chinese characters before a "more" button."""

from __future__ import annotations

import json
import random

import pytest

from bot.catalog import Catalog
from bot.replies import (
    MORE_METADATA,
    Page,
    Reply,
    buttons_width,
    page_message,
    paginate,
    screen_width,
    stored_pages,
    tidy,
    width,
)
from tests.replies.every_answer import booking_phrases, domain_responses

LIMIT = screen_width()


def screen(page: Page) -> float:
    """What one screen shows: the text and every button (WeChat lists them as lines)."""
    return width(page.text) + buttons_width(page.buttons)


def test_every_answer_fits_a_phone_screen(every_answer: list[tuple[str, list[Page]]]) -> None:
    too_long = [(label, index, screen(page)) for label, pages in every_answer
                for index, page in enumerate(pages) if screen(page) > LIMIT]
    assert not too_long, too_long[:5]
    assert len(every_answer) > 4000


def test_long_answers_continue_behind_a_more_button(
        every_answer: list[tuple[str, list[Page]]]) -> None:
    paged = [(label, pages) for label, pages in every_answer if len(pages) > 1]
    assert paged  # the categories, long point lists and full source lists do not fit one screen
    for label, pages in paged:
        for page in pages[:-1]:
            assert page.buttons[-1]["payload"].startswith('/show_more{"more_id":'), label
        assert not any(b["payload"].startswith("/show_more") for b in pages[-1].buttons), label


def test_domain_responses_fit_a_screen() -> None:
    for label, rendered in domain_responses():
        page = Page(rendered["text"], rendered.get("buttons") or [])
        assert screen(page) <= LIMIT, label


def test_booking_warnings_fit_a_screen(catalog: Catalog) -> None:
    for label, text in booking_phrases(catalog):
        assert width(text) <= LIMIT * 2 / 3, label  # a line of the confirmation, not all of it


def test_width_counts_chinese_as_one_and_latin_as_half() -> None:
    assert width("不动产") == 3
    assert width("ab c") == 2
    assert width("a\nb") == 2


@pytest.mark.parametrize("seed", range(20))
def test_any_text_and_buttons_are_paged_within_the_limit(seed: int) -> None:
    """A property check of the pager itself, for the texts other tracks build."""
    rng = random.Random(seed)
    alphabet = "办理材料服务点" + "abcde fgh" + "。；，"
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
             for _ in range(rng.randint(1, 12))]
    buttons = [{"title": "按钮" * rng.randint(1, 6), "payload": f"/x{i}"}
               for i in range(rng.randint(0, 8))]
    pages = paginate("\n".join(lines), [], buttons)
    assert all(screen(page) <= LIMIT for page in pages)
    shown = "".join(page.text.replace("\n", "") for page in pages)
    assert shown == "".join(lines)  # nothing lost, nothing repeated


def test_the_rest_travels_with_the_message_and_comes_back() -> None:
    long_text = "\n".join(f"第{i}行：" + "说明" * 30 for i in range(12))
    reply = Reply(long_text, [{"title": "联系人工", "payload": "/human_handoff"}])
    message = reply.as_message()
    more_id = json.loads(message["buttons"][-1]["payload"][len("/show_more"):])["more_id"]
    assert message[MORE_METADATA]["id"] == more_id
    bot_event = {"event": "bot", "text": message["text"], "metadata": {
        MORE_METADATA: message[MORE_METADATA]}}
    pages = stored_pages([bot_event], more_id)
    assert pages and pages[0].text.startswith("第")
    assert [b["payload"] for b in page_message(pages)["buttons"]][:1] == ["/human_handoff"]
    assert stored_pages([bot_event], "unknown") is None


def test_no_brackets_inside_brackets() -> None:
    assert tidy("Booking JM-1 (Mon 3 Dec, 10:00 Beijing time (the same clock as Hong Kong)) "
                "is cancelled.") == (
        "Booking JM-1 (Mon 3 Dec, 10:00 Beijing time, the same clock as Hong Kong) is cancelled.")
    assert tidy("已取消预约（12月3日（星期三）10:00（北京时间））。") == (
        "已取消预约（12月3日，星期三，10:00，北京时间）。")
    assert tidy("（香港）（澳门）") == "（香港）（澳门）"  # side by side is fine


def test_no_nested_brackets_in_any_answer(every_answer: list[tuple[str, list[Page]]]) -> None:
    for label, pages in every_answer:
        for page in pages:
            for line in page.text.split("\n"):
                depth = 0
                for char in line:
                    depth += char in "(（"
                    assert depth <= 1, (label, line)
                    depth -= char in ")）" and depth > 0
