"""Staff accounts: argon2 password hashes, roles, and locking after repeated wrong passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.staff.database import stamp
from bot.staff.settings import settings
from bot.staff.tables import ROLES, staff_users

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    session_epoch: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class LoginResult:
    user: User | None = None
    locked_until: datetime | None = None  # set when the account is locked


def _user(row: Any) -> User:
    return User(row["id"], row["name"], row["role"], row["session_epoch"])


def check_new_password(password: str) -> None:
    minimum = settings()["logins"]["password_min_length"]
    if len(password) < minimum:
        raise AccountError(f"a password has at least {minimum} characters")


def add_user(engine: Engine, name: str, role: str, password: str, now: datetime) -> User:
    name = name.strip()
    if not 1 <= len(name) <= 40 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("a name has 1 to 40 letters, digits, '.', '-' or '_'")
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}")
    check_new_password(password)
    try:
        with engine.begin() as connection:
            connection.execute(staff_users.insert().values(
                name=name, role=role, password_hash=_hasher.hash(password), failed_logins=0,
                session_epoch=0, created_at=stamp(now)))
    except IntegrityError as taken:
        raise AccountError(f"there is already an account named {name}") from taken
    found = find(engine, name)
    assert found is not None
    return found


def find(engine: Engine, name: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(staff_users).where(staff_users.c.name == name)).mappings().first()
    return _user(row) if row else None


def by_id(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(staff_users).where(staff_users.c.id == user_id)).mappings().first()
    return _user(row) if row else None


def log_in(engine: Engine, name: str, password: str, now: datetime) -> LoginResult:
    """Checks a password. A locked account refuses even the right one until the lock ends;
    ``max_failed_attempts`` wrong ones in a row lock it for ``lock_minutes``."""
    limits = settings()["logins"]
    with engine.begin() as connection:
        row = connection.execute(select(staff_users).where(staff_users.c.name == name)).mappings().first()
        if row is None:
            _verify(_DUMMY_HASH, password)
            return LoginResult()
        if row["locked_until"] and row["locked_until"] > stamp(now):
            return LoginResult(locked_until=datetime.fromisoformat(row["locked_until"]))
        if _verify(row["password_hash"], password):
            changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
            if _hasher.check_needs_rehash(row["password_hash"]):
                changes["password_hash"] = _hasher.hash(password)
            connection.execute(update(staff_users).where(staff_users.c.id == row["id"]).values(**changes))
            return LoginResult(user=_user(row))
        failed = row["failed_logins"] + 1
        locked = None
        if failed >= limits["max_failed_attempts"]:
            locked = now + timedelta(minutes=limits["lock_minutes"])
            failed = 0
        connection.execute(update(staff_users).where(staff_users.c.id == row["id"]).values(
            failed_logins=failed, locked_until=stamp(locked) if locked else None))
        return LoginResult(locked_until=locked)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def end_sessions(engine: Engine, user_id: int) -> None:
    """Every cookie issued to this user so far stops working (logout, password change)."""
    with engine.begin() as connection:
        connection.execute(update(staff_users).where(staff_users.c.id == user_id)
                           .values(session_epoch=staff_users.c.session_epoch + 1))


def set_password(engine: Engine, name: str, password: str) -> None:
    check_new_password(password)
    user = find(engine, name)
    if user is None:
        raise AccountError(f"no account named {name}")
    with engine.begin() as connection:
        connection.execute(update(staff_users).where(staff_users.c.id == user.id).values(
            password_hash=_hasher.hash(password), failed_logins=0, locked_until=None))
    end_sessions(engine, user.id)


def unlock(engine: Engine, name: str) -> None:
    with engine.begin() as connection:
        result = connection.execute(update(staff_users).where(staff_users.c.name == name)
                                    .values(failed_logins=0, locked_until=None))
    if result.rowcount != 1:
        raise AccountError(f"no account named {name}")


def all_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(staff_users.c.name, staff_users.c.role,
                                         staff_users.c.locked_until, staff_users.c.created_at)
                                  .order_by(staff_users.c.name)).mappings().all()
    return [dict(row) for row in rows]
