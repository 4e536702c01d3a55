"""Plays the realistic conversations against a running assistant and reports the pass rate.

    python -m tests.realistic.runner [--url http://127.0.0.1:5005] [--only ID] [--json FILE]

Without --url it starts its own stack (bot.stack) on free ports. Each conversation goes through the
REST webhook as a new sender; a conversation passes when every reply passes (judge.py). The report
gives the rate per written form, and the booking conversations (tag ``booking``) apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.catalog import Catalog, default_catalog
from tests.realistic.judge import SCRIPT_OF_FORM, Reply, all_kinds, judge

CONVERSATIONS_DIR = Path(__file__).with_name("conversations")
BOOKING = "booking"
EXPECTATION_KEYS = {"kind", "service", "region", "not_service", "says", "not_says", "script"}


@dataclass(frozen=True)
class Conversation:
    id: str
    form: str
    tags: tuple[str, ...]
    turns: tuple[dict[str, Any], ...]
    who: str = ""

    @property
    def group(self) -> str:
        return BOOKING if BOOKING in self.tags else self.form


@dataclass
class TurnResult:
    said: str
    reply: str
    problems: list[str]


@dataclass
class Result:
    conversation: Conversation
    turns: list[TurnResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(not turn.problems for turn in self.turns)


def load_conversations(directory: Path = CONVERSATIONS_DIR) -> list[Conversation]:
    """Every conversation file; a malformed one fails with the file and conversation named."""
    conversations = []
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in document["conversations"]:
            form = raw.get("form", document.get("form"))
            where = f"{path.name}: {raw.get('id')}"
            if form not in SCRIPT_OF_FORM:
                raise ValueError(f"{where}: unknown form {form!r}")
            for turn in raw["turns"]:
                _check_turn(turn, where)
            conversations.append(Conversation(
                id=raw["id"], form=form, who=raw.get("who", ""),
                tags=tuple(document.get("tags", [])) + tuple(raw.get("tags", [])),
                turns=tuple(raw["turns"])))
    ids = [c.id for c in conversations]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"conversation ids used twice: {sorted(duplicates)}")
    return conversations


def _check_turn(turn: dict[str, Any], where: str) -> None:
    if ("user" in turn) == ("press" in turn):
        raise ValueError(f"{where}: a turn has either `user` or `press`: {turn}")
    if "user" in turn and not isinstance(turn["user"], str):
        raise ValueError(f"{where}: quote {turn['user']!r}: YAML reads it as {type(turn['user'])}")
    unknown = set(turn.get("expect") or {}) - EXPECTATION_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown expectations {sorted(unknown)}")
    kinds = turn.get("expect", {}).get("kind") or []
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        if kind not in set(all_kinds()) | {"shorter", "booking"}:
            raise ValueError(f"{where}: unknown kind {kind!r}")


def _send(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    answer = requests.post(f"{url}/webhooks/rest/webhook",
                           json={"sender": sender, "message": text}, timeout=60)
    answer.raise_for_status()
    return answer.json()


def play(url: str, conversation: Conversation, catalog: Catalog) -> Result:
    """Plays one conversation as a new user; stops at the first turn that cannot be sent."""
    sender = f"realistic-{conversation.id}-{uuid.uuid4().hex[:8]}"
    language = SCRIPT_OF_FORM[conversation.form]
    result = Result(conversation)
    last = Reply([])
    for turn in conversation.turns:
        if "press" in turn:
            payloads = last.payloads
            index = int(turn["press"]) - 1
            if index >= len(payloads):
                result.turns.append(TurnResult(f"[button {turn['press']}]", last.text,
                                               ["there is no such button to press"]))
                break
            said = payloads[index]
        else:
            said = str(turn["user"])
        last = Reply(_send(url, sender, said))
        verdict = judge(catalog, said, last, turn.get("expect") or {}, language)
        result.turns.append(TurnResult(said, last.text, verdict.problems))
    return result


def play_all(url: str, conversations: Iterable[Conversation]) -> list[Result]:
    catalog = default_catalog()
    return [play(url, conversation, catalog) for conversation in conversations]


def rates(results: list[Result]) -> dict[str, tuple[int, int]]:
    """group -> (passed, total); groups are the forms, "booking", and "all but booking"."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        groups = [result.conversation.group]
        if result.conversation.group != BOOKING:
            groups.append("understanding")
        for group in groups:
            counts[group][0] += result.passed
            counts[group][1] += 1
    return {group: (passed, total) for group, (passed, total) in counts.items()}


def report(results: list[Result]) -> str:
    lines = []
    for result in results:
        if result.passed:
            continue
        conversation = result.conversation
        lines.append(f"FAIL {conversation.group}/{conversation.id} ({conversation.who})")
        for turn in result.turns:
            mark = "  !!" if turn.problems else "    "
            lines.append(f"{mark} > {turn.said}")
            if turn.problems:
                lines.append(f"       {'; '.join(turn.problems)}")
                lines.append("       < " + turn.reply.replace("\n", " / ")[:300])
    lines.append("")
    for group, (passed, total) in sorted(rates(results).items()):
        lines.append(f"{group:<14} {passed:>3}/{total:<3} {passed / total:6.1%}")
    return "\n".join(lines)


def as_json(results: list[Result]) -> dict[str, Any]:
    return {
        "rates": {group: {"passed": p, "total": t} for group, (p, t) in rates(results).items()},
        "conversations": [
            {"id": r.conversation.id, "group": r.conversation.group, "passed": r.passed,
             "turns": [{"said": t.said, "reply": t.reply, "problems": t.problems}
                       for t in r.turns]}
            for r in results],
    }


@contextmanager
def _stack_url(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from bot.local_servers import free_port
    from bot.stack import Stack

    # As for the tests' shared stack (conftest.py): bookings and conversations of this run only
    # (the same applicants book in every run, and may hold 3 upcoming sessions at most), and
    # no per-address limit: every conversation comes from 127.0.0.1, far faster than people.
    with tempfile.TemporaryDirectory() as tmp, Stack(
            rasa_port=free_port(), action_port=free_port(), booking_port=free_port(),
            booking_database=f"sqlite:///{tmp}/booking.db", run_dir=Path(tmp),
            environment={"RATE_LIMIT_PER_ADDRESS": "1000000"}) as stack:
        yield stack.rasa_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.realistic.runner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running Rasa server (default: start a stack)")
    parser.add_argument("--only", action="append", help="conversation id (repeatable)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    conversations = [c for c in load_conversations() if not args.only or c.id in args.only]
    with _stack_url(args.url) as url:
        results = play_all(url, conversations)
    print(report(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(results), ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
