"""python -m bot.staff: accounts from the command line, and purging call-back phones."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.paths import REPO_ROOT
from bot.staff import callbacks
from bot.staff.tables import callbacks as callback_table
from tests.staff.conftest import NOW


def staff(database: str, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "BOOKING_DATABASE_URL": database}
    return subprocess.run([sys.executable, "-m", "bot.staff", *args], input=password, text=True,
                          env=env, capture_output=True, timeout=120, check=False)


def test_accounts_from_the_command_line(database: str) -> None:
    made = staff(database, "add-user", "chan.tai-man", "--role", "clerk", "--password-stdin",
                 password="a good long password\n")
    assert made.returncode == 0 and "created clerk account chan.tai-man" in made.stdout
    again = staff(database, "add-user", "chan.tai-man", "--role", "admin", "--password-stdin",
                  password="another long password\n")
    assert again.returncode == 2 and "already an account" in again.stderr
    short = staff(database, "add-user", "lee", "--role", "clerk", "--password-stdin",
                  password="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    listed = staff(database, "users")
    assert "chan.tai-man" in listed.stdout and "lee" not in listed.stdout


def test_purge_deletes_the_phones_of_old_closed_requests(database: str, engine: Engine) -> None:
    old, _ = callbacks.create(engine, callbacks.NewCallback("+85291234567", "zh-Hant", "rest",
                                                            "handoff", []), NOW - timedelta(days=40))
    recent, _ = callbacks.create(engine, callbacks.NewCallback("+85291234568", "zh-Hant", "rest",
                                                               "handoff", []), NOW)
    for callback_id, when in ((old, NOW - timedelta(days=40)), (recent, NOW)):
        callbacks.claim(engine, callback_id, "clerk1", when)
        callbacks.close(engine, callback_id, "clerk1", "reached", "", when)
    assert callbacks.purge(engine, NOW, 30) == 1
    with engine.connect() as connection:
        phones = dict(connection.execute(select(callback_table.c.id, callback_table.c.phone)).all())
    assert phones == {old: None, recent: "+85291234568"}
