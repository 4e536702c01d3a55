"""The desk's doors: sign-in, roles, CSRF, stale and tampered cookies, locking, idle logout."""

from __future__ import annotations

import time

import jwt
import requests

from bot.staff.sessions import COOKIE
from tests.staff.conftest import SECRET, Book
from tests.staff.desk_client import PASSWORD, DeskClient

PAGES = ["/day", "/callbacks", "/admin/timetable", "/admin/audit", "/admin/insights"]


def test_unauthenticated_requests_go_to_the_login_page(desk_url: str) -> None:
    anonymous = DeskClient(desk_url)
    for path in PAGES:
        answer = anonymous.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["Location"].startswith("/login?next=")
    page = anonymous.get("/login")
    assert page.status_code == 200 and 'for="password"' in page.text
    cookie = page.cookies.get(COOKIE) or anonymous.http.cookies.get(COOKIE)
    assert cookie
    header = page.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_post_without_a_session_changes_nothing(desk_url: str, book: Book, clerk: DeskClient
                                                  ) -> None:
    reference = book()
    answer = requests.post(f"{desk_url}/bookings/{reference}/outcome",
                           data={"outcome": "attended", "csrf": clerk.csrf}, timeout=10,
                           allow_redirects=False)
    assert answer.status_code == 403
    assert "已到场" not in clerk.get("/day?date=2026-12-01").text.split(reference)[1][:400]


def test_a_clerk_cannot_open_admin_pages(clerk: DeskClient) -> None:
    for path in ("/admin/timetable", "/admin/audit", "/admin/insights"):
        assert clerk.get(path).status_code == 403, path
    answer = clerk.post("/admin/timetable/days", {"day": "2026-12-04", "kind": "closed"})
    assert answer.status_code == 403
    assert clerk.get("/day").status_code == 200


def test_posts_without_the_csrf_token_are_refused(clerk: DeskClient, book: Book) -> None:
    reference = book()
    for form in ({}, {"csrf": "forged"}):
        answer = clerk.http.post(f"{clerk.url}/bookings/{reference}/outcome",
                                 data={"outcome": "attended", **form}, timeout=10,
                                 allow_redirects=False)
        assert answer.status_code == 403
        assert "表单已过期或来源不明" in answer.text
    history = clerk.get(f"/bookings/{reference}").text
    assert "clerk1：已到场" not in history


def test_a_tampered_or_idle_cookie_is_a_401_and_nothing_changes(desk_url: str, clerk: DeskClient,
                                                                 book: Book) -> None:
    reference = book()
    real = clerk.http.cookies[COOKIE]
    payload = jwt.decode(real, SECRET, algorithms=["HS256"])
    tampered = jwt.encode({**payload, "u": payload["u"] + 1}, "another secret, thirty-two bytes long",
                          algorithm="HS256")
    idle = jwt.encode({**payload, "s": time.time() - 16 * 60}, SECRET, algorithm="HS256")
    for cookie in (tampered, idle, real[:-4] + "AAAA"):
        answer = requests.post(f"{desk_url}/bookings/{reference}/outcome",
                               data={"outcome": "attended", "csrf": payload["c"]},
                               cookies={COOKIE: cookie}, timeout=10, allow_redirects=False)
        assert answer.status_code == 401 and 'action="/login"' in answer.text
        page = requests.get(f"{desk_url}/day", cookies={COOKIE: cookie}, timeout=10,
                            allow_redirects=False)
        assert page.status_code == 401
    assert "clerk1：已到场" not in clerk.get(f"/bookings/{reference}").text


def test_logout_ends_the_session_everywhere(desk_url: str, clerk: DeskClient) -> None:
    copy = clerk.http.cookies[COOKIE]
    assert clerk.post("/logout").status_code == 303
    answer = requests.get(f"{desk_url}/day", cookies={COOKIE: copy}, timeout=10,
                          allow_redirects=False)
    assert answer.status_code == 401


def test_ten_wrong_passwords_lock_the_account(desk_url: str) -> None:
    client = DeskClient(desk_url)
    for attempt in range(9):
        assert client.log_in("clerk1", f"wrong password {attempt}").status_code == 401
    locked = client.log_in("clerk1", "wrong password 9")
    assert locked.status_code == 429 and "锁定" in locked.text
    assert client.log_in("clerk1", PASSWORD).status_code == 429  # even the right one, for now
    assert client.get("/day").status_code == 303
    assert DeskClient(desk_url).log_in("admin1").status_code == 303  # others are not affected


def test_the_desk_speaks_traditional_on_request(clerk: DeskClient) -> None:
    assert "当天预约" in clerk.get("/day").text
    answer = clerk.post("/language", {"language": "zh-Hant", "back": "/day"})
    assert answer.status_code == 303
    page = clerk.get("/day").text
    assert '<html lang="zh-Hant">' in page and "當天預約" in page
    assert clerk.post("/language", {"language": "klingon"}).status_code == 400


def test_the_next_parameter_never_leaves_the_desk(desk_url: str) -> None:
    client = DeskClient(desk_url)
    client.get("/login")
    answer = client.post("/login", {"name": "clerk1", "password": PASSWORD,
                                    "next": "//evil.example/"})
    assert answer.headers["Location"] == "/day"


def test_one_address_cannot_try_passwords_without_end(desk_url: str) -> None:
    client = DeskClient(desk_url)
    for attempt in range(30):
        assert client.log_in(f"nobody{attempt}", "guess").status_code == 401
    throttled = client.log_in("clerk1")
    assert throttled.status_code == 429 and "过于频繁" in throttled.text
