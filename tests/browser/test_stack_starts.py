"""The stack the browser tests drive starts from the project's own runner and prints its URLs."""

from __future__ import annotations

import json
import urllib.request

from conftest import StackProcess


def test_the_ready_message_gives_the_rest_webhook(stack_process: StackProcess) -> None:
    url = stack_process.urls["REST webhook"]
    request = urllib.request.Request(url, data=json.dumps(
        {"sender": "browser-suite", "message": "hello"}).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200
        assert json.loads(answer.read())[0]["text"]
