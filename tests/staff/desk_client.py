"""Driving the staff desk over HTTP as a browser does: cookies, the CSRF token of each page."""

from __future__ import annotations

import re
from typing import Any

import requests

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


class DeskClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        answer = self.http.get(self.url + path, timeout=60, allow_redirects=False, **kwargs)
        found = CSRF.search(answer.text) if answer.headers.get("Content-Type", "").startswith(
            "text/html") else None
        if found:
            self.csrf = found.group(1)
        return answer

    def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True,
             **kwargs: Any) -> requests.Response:
        form = {**(data or {}), **({"csrf": self.csrf} if csrf else {})}
        answer = self.http.post(self.url + path, data=form, timeout=60, allow_redirects=False,
                                **kwargs)
        found = CSRF.search(answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    def log_in(self, name: str, password: str = PASSWORD) -> requests.Response:
        self.get("/login")
        answer = self.post("/login", {"name": name, "password": password, "next": "/day"})
        if answer.status_code == 303:
            self.get(answer.headers["Location"])
        return answer
