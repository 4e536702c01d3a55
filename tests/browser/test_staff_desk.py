"""The staff desk in Chromium, against the real stack started by the project's runner.

An admin first makes today bookable from now on (the timetable is data: no restart), a resident
books through the REST channel, and then the clerk's day: today's bookings, a phone revealed and
audited, a session marked attended, the day exported as iCalendar; and the admin, closing the slot
that holds the booking, is asked to resolve it first. Screenshots of the desk and the report go to
var/browser/.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import RASA_PYTHON, REPO_ROOT, StackProcess
from playwright.sync_api import Browser, Page, expect

BEIJING = timezone(timedelta(hours=8))
PASSWORD = "a long desk password for tests"
SLOT_MINUTES = 10
# half-second waits for the booking service to re-read a changed timetable
TIMETABLE_WAITS = 20
# every visible form control must have a label (WCAG 1.3.1 / 4.1.2)
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
  .map(c => c.name || c.id)"""


@pytest.fixture(scope="module")
def desk_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A stack of its own: these tests change the timetable."""
    stack = StackProcess(tmp_path_factory.mktemp("desk"))
    stack.start()
    for name, role in (("clerk-wong", "clerk"), ("admin-chan", "admin")):
        subprocess.run([str(RASA_PYTHON), "-m", "bot.staff", "add-user", name, "--role", role,
                        "--password-stdin"], input=PASSWORD + "\n", text=True, env=stack.env,
                       cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    try:
        yield stack
    finally:
        stack.stop()


def say(stack: StackProcess, sender: str, text: str) -> list[dict]:
    request = urllib.request.Request(stack.urls["REST webhook"], method="POST",
                                     data=json.dumps({"sender": sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def log_in(browser: Browser, stack: StackProcess, name: str) -> Page:
    """Signs in with the keyboard only."""
    page = browser.new_context(accept_downloads=True, locale="zh-CN").new_page()
    page.goto(stack.urls["Staff desk"] + "day")
    expect(page).to_have_url(f"{stack.urls['Staff desk']}login?next=%2Fday")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()  # the first stop skips to the content
    page.fill("#name", name)
    page.focus("#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("视频办预约")
    return page


def check_accessible(page: Page) -> None:
    assert page.evaluate(UNLABELLED) == []
    assert page.get_attribute("html", "lang") in ("zh-Hans", "zh-Hant")
    expect(page.locator("h1")).to_have_count(1)


@pytest.fixture(scope="module")
def today_bookable(desk_stack: StackProcess, browser: Browser, artifacts: Path) -> datetime:
    """The admin opens today from a few minutes from now (Beijing time): the first slot."""
    now = datetime.now(BEIJING)
    start = (now + timedelta(minutes=3)).replace(second=0, microsecond=0)
    if start.date() != now.date() or start + timedelta(minutes=2 * SLOT_MINUTES) > \
            start.replace(hour=23, minute=59):
        pytest.skip("too late in the Beijing day to open slots for today")
    admin = log_in(browser, desk_stack, "admin-chan")
    admin.goto(desk_stack.urls["Staff desk"] + "admin/timetable")
    check_accessible(admin)
    days = admin.locator("form[action='/admin/timetable/days']")
    days.locator("#day").fill(now.date().isoformat())
    days.locator("#kind").select_option("open")
    days.locator("#day-note").fill("测试：今天加开")
    days.locator("button").click()
    expect(admin.locator(".flash")).to_contain_text("时间表已更新")
    settings = admin.locator("form[action='/admin/timetable/settings']")
    times = {"#morning_start": start, "#morning_end": start + timedelta(minutes=SLOT_MINUTES),
             "#afternoon_start": start + timedelta(minutes=SLOT_MINUTES),
             "#afternoon_end": start + timedelta(minutes=2 * SLOT_MINUTES)}
    settings.locator("#slot_minutes").fill(str(SLOT_MINUTES))
    settings.locator("#min_notice_hours").fill("0")
    for field, moment in times.items():
        settings.locator(field).fill(moment.strftime("%H:%M"))
    settings.locator("button").click()
    expect(admin.locator(".flash")).to_contain_text("时间表已更新")
    admin.screenshot(path=str(artifacts / "desk-timetable.png"), full_page=True)
    admin.context.close()
    return start


def book_through_rest(stack: StackProcess, resident: str, start: datetime) -> str:
    """Books ``start`` once the booking service offers it: it re-reads the timetable about once
    a second, and the admin's two changes (open the day, then its hours) may land apart."""
    wanted = start.isoformat(timespec="minutes")
    for _ in range(TIMETABLE_WAITS):
        first_answer = say(stack, resident, "我想預約視像辦物業登記")[0]
        if first_answer["buttons"][0]["payload"] == wanted:
            break
        say(stack, resident, "/stop")
        time.sleep(0.5)
    for answer in (wanted, "陳大文", "+852 9123 4567", '/inform{"id_type":"hkid"}', "A123456(3)"):
        say(stack, resident, answer)
    booked = "\n".join(m.get("text", "") for m in say(stack, resident, "好"))
    return booked.split("預約編號：")[1].split()[0]


@pytest.fixture(scope="module")
def booking(desk_stack: StackProcess, today_bookable: datetime) -> str:
    resident = uuid.uuid4().hex
    reference = book_through_rest(desk_stack, resident, today_bookable)
    # a call-back request and a rating, so the queue and the report have something to show
    say(desk_stack, resident, "/request_callback")
    say(desk_stack, resident, "/affirm")
    say(desk_stack, resident, "+853 6234 5678")
    say(desk_stack, resident, '/rate{"rating": "4"}')
    say(desk_stack, resident, "/deny")
    return reference


def test_a_clerk_runs_todays_sessions(desk_stack: StackProcess, browser: Browser, booking: str,
                                      today_bookable: datetime, artifacts: Path) -> None:
    clerk = log_in(browser, desk_stack, "clerk-wong")
    check_accessible(clerk)
    row = clerk.locator(f"tr[data-reference='{booking}']")
    expect(row).to_contain_text(today_bookable.strftime("%H:%M"))
    expect(row).to_contain_text("+852 ****4567")
    expect(row).to_contain_text("不动产登记")
    expect(row).not_to_contain_text("91234567")
    clerk.screenshot(path=str(artifacts / "desk-day.png"), full_page=True)

    row.get_by_role("button", name=f"显示完整电话 {booking}").click()
    expect(clerk.locator("#full-phone")).to_contain_text("+85291234567")

    clerk.goto(desk_stack.urls["Staff desk"] + "day")
    clerk.locator(f"tr[data-reference='{booking}']").get_by_role(
        "button", name=f"已到场 {booking}").click()
    expect(clerk.locator(".flash")).to_contain_text(f"{booking} 已标记为到场")
    expect(clerk.locator(f"tr[data-reference='{booking}']")).to_contain_text("已到场")

    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="导出日历（.ics）").click()
    ics = artifacts / "video-sessions.ics"
    download.value.save_as(ics)
    parsed = subprocess.run(
        [str(RASA_PYTHON), "-c", "import icalendar, sys, json; c = icalendar.Calendar.from_ical("
         "open(sys.argv[1], 'rb').read()); print(json.dumps([[str(e['UID']), "
         "e.decoded('DTSTART').isoformat(), str(e['STATUS'])] for e in c.walk('VEVENT')]))",
         str(ics)], capture_output=True, text=True, check=True, timeout=60)
    (uid, start, status), *_ = json.loads(parsed.stdout)
    assert uid.startswith(booking) and status == "CONFIRMED"
    assert datetime.fromisoformat(start) == today_bookable

    clerk.goto(desk_stack.urls["Staff desk"] + "callbacks")
    check_accessible(clerk)
    expect(clerk.locator("table.callbacks")).to_contain_text("+853 ****5678")
    clerk.screenshot(path=str(artifacts / "desk-callbacks.png"), full_page=True)
    clerk.goto(desk_stack.urls["Staff desk"] + "admin/timetable")
    expect(clerk.locator("h1")).to_have_text("出错了")  # a clerk is no admin


def test_the_reveal_is_in_the_audit_log_and_a_booked_slot_cannot_just_close(
        desk_stack: StackProcess, browser: Browser, booking: str, today_bookable: datetime,
        artifacts: Path) -> None:
    admin = log_in(browser, desk_stack, "admin-chan")
    admin.goto(desk_stack.urls["Staff desk"] + f"admin/audit?subject={booking}")
    entries = admin.locator("tr.audit-entry")
    expect(entries.filter(has_text="reveal_phone")).to_contain_text("clerk-wong")

    admin.goto(desk_stack.urls["Staff desk"] + "admin/timetable")
    slots = admin.locator("form[action='/admin/timetable/slots']")
    slots.locator("#slot").fill(today_bookable.strftime("%Y-%m-%dT%H:%M"))
    slots.locator("#action").select_option("close")
    with admin.expect_response(lambda r: r.url.endswith("/admin/timetable/slots")) as answer:
        slots.locator("button").click()
    assert answer.value.status == 409
    expect(admin.locator("h1")).to_have_text("请先处理以下预约")
    expect(admin.get_by_role("link", name=f"处理 {booking}")).to_be_visible()
    admin.screenshot(path=str(artifacts / "desk-resolve-first.png"), full_page=True)

    admin.goto(desk_stack.urls["Staff desk"] + "admin/insights?days=7")
    check_accessible(admin)
    expect(admin.locator("#figure-messages strong")).not_to_have_text("0")
    expect(admin.locator("#ratings-by_channel tr[data-key='rest']")).to_contain_text("1")
    admin.screenshot(path=str(artifacts / "insights-report.png"), full_page=True)

    admin.get_by_role("button", name="繁體").click()
    expect(admin.locator("html")).to_have_attribute("lang", "zh-Hant")
    admin.goto(desk_stack.urls["Staff desk"] + "day")
    expect(admin.locator("h1")).to_contain_text("預約")
    expect(admin.locator("nav")).to_contain_text("當天預約")
    admin.screenshot(path=str(artifacts / "desk-day-traditional.png"), full_page=True)
