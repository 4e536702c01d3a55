"""What the security tests share: the personal data of one applicant, a booking chat that types
it, reading back everything a database or a log folder holds, and a stack run as in a cluster."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.access import API_TOKEN_ENV
from bot.local_servers import free_port
from bot.stack import Stack
from tests.chat import WidgetSocket, say
from tests.chat import texts as texts_of

# One applicant, as they type their details: the tests look for every form of these afterwards.
NAME = "陳大文"
PHONE = "+852 9123 4567"
HKID = "A123456(3)"
SECURE_PER_SENDER = 10
# every way the values could have been written down (typed, normalised, JSON-escaped)
NEEDLES = (NAME, json.dumps(NAME)[1:-1], "91234567", "9123 4567", "A123456", "A1234563")


def stored_text(database_url: str) -> str:
    """Every row of every table of a database, as text."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            return "\n".join(str(value) for table in tables
                             for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
                             for value in row)
    finally:
        engine.dispose()


def log_text(log_dir: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                     for path in sorted(log_dir.glob("*.log")))


def found(text: str) -> list[str]:
    """The forms of the applicant's data that ``text`` contains."""
    return [needle for needle in NEEDLES if needle in text]


@contextmanager
def new_database(postgres_url: str) -> Iterator[str]:
    """A database of its own on the throw-away PostgreSQL cluster; yields its URL."""
    name = f"tracker_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    with new_database(postgres_url) as url:
        yield url


@pytest.fixture(scope="session")
def secure_stack(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Stack]:
    """A stack as a cluster would run it: conversations in PostgreSQL, Rasa's API on with an
    operator token, and a low per-sender limit (the per-address one is raised: every test
    client is 127.0.0.1)."""
    tmp = tmp_path_factory.mktemp("secure-stack")
    with new_database(postgres_url) as tracker_database, \
            Stack(rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
                  booking_database=f"sqlite:///{tmp}/booking.db", run_dir=tmp,
                  tracker_database=tracker_database,
                  environment={API_TOKEN_ENV: secrets.token_urlsafe(16),
                               "RATE_LIMIT_PER_SENDER": str(SECURE_PER_SENDER),
                               "RATE_LIMIT_PER_ADDRESS": "1000000"}) as running:
        yield running


def tracker_database(stack: Stack) -> str:
    """The URL of the database a stack keeps its conversations in."""
    return stack.tracker_database or f"sqlite:///{stack.run_dir}/tracker-{stack.rasa_port}.db"


BOOKING_ANSWERS = (NAME, PHONE, '/inform{"id_type":"hkid"}', HKID, "好")


def _first_time(messages: list[dict[str, Any]]) -> str:
    """The payload of the first time offered (an ISO time from the booking service)."""
    return next(button["payload"] for message in messages
                for button in message.get("buttons") or message.get("quick_replies") or []
                if button["payload"][:2] == "20")


def rest_booking_chat(stack: Stack, sender: str) -> list[str]:
    """A whole booking chat through the REST webhook; returns the bot's texts."""
    replies = say(stack, "我想預約視像辦物業登記", sender)
    texts = [texts_of(replies)]
    for answer in (_first_time(replies), *BOOKING_ANSWERS):
        texts.append(texts_of(say(stack, answer, sender)))
    return texts


async def socketio_booking_chat(stack: Stack) -> list[str]:
    """The same chat through Socket.IO, as the widget has it."""
    async with WidgetSocket.open(stack.rasa_url) as client:
        await client.start_session()
        replies, _ = await client.say("我想預約視像辦物業登記", {"lang": "zh-Hant"})
        texts = [texts_of(replies)]
        for answer in (_first_time(replies), *BOOKING_ANSWERS):
            replies, _ = await client.say(answer, {"lang": "zh-Hant"})
            texts.append(texts_of(replies))
        return texts
