"""The one-machine cluster under faults (`make test-faults`): a conversation alternating between
the replicas, a replica killed under load, PostgreSQL and then Redis restarted under load,
PostgreSQL away for longer than the conversation store waits, and the whole cluster stopped and
started again. Loads are bounded and on loopback. The figures go to
var/bench/faults.json and to the end of the test run's output.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bench.common import RESULTS_DIR, message_pool
from bot.channels.limits import LOAD_TEST_ENVIRONMENT
from bot.channels.reliable import REST_CONVERSATION_PREFIX
from bot.cluster import TRACKER_DATABASE, Cluster
from bot.conversations.patience import OUTAGE_WAIT
from bot.conversations.store import ConversationStore
from bot.dialogue import error_reply
from bot.language import LANGUAGES
from bot.paths import REPO_ROOT
from bot.privacy import mask_numbers
from tests.chat import say, texts
from tests.smoke import test_stack as smoke

pytestmark = pytest.mark.faults

SENDERS = 8
APOLOGIES = {error_reply(language, None).text for language in LANGUAGES}
# a person whose message failed waits a moment before sending again
PAUSE_AFTER_FAILURE = 0.5


@dataclass
class Request:
    sender: str
    text: str
    start: float
    end: float
    outcome: str  # "ok", "apology" (answered with our error reply) or "error" (no answer)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # not pytest's tmp_path: PostgreSQL's own account must be able to reach the data folder
    data = Path(tempfile.mkdtemp(prefix="jm-faults-"))
    try:
        # the load's senders write as fast as they are answered: not the abuse limits' business
        with Cluster.on_free_ports(data, environment=LOAD_TEST_ENVIRONMENT) as running:
            yield running
    finally:
        shutil.rmtree(data, ignore_errors=True)


# -- load -----------------------------------------------------------------------------------------

async def _sender(session: aiohttp.ClientSession, url: str, sender: str, messages: list[str],
                  deadline: float, requests: list[Request]) -> None:
    for text in itertools.cycle(messages):
        if time.time() > deadline:
            return
        start = time.time()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as answer:
                body = await answer.json() if answer.status == 200 else None
            replies = {message.get("text") for message in body or []}
            outcome = ("error" if body is None else "apology" if replies & APOLOGIES else "ok")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            outcome = "error"
        requests.append(Request(sender, text, start, time.time(), outcome))
        if outcome != "ok":
            await asyncio.sleep(PAUSE_AFTER_FAILURE)


async def _load(url: str, seconds: float, requests: list[Request]) -> None:
    pool = message_pool()
    deadline = time.time() + seconds
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=45)) as session:
        await asyncio.gather(*(
            _sender(session, url, f"load-{n}-{uuid.uuid4().hex[:8]}", pool[n * 7:] + pool[:n * 7],
                    deadline, requests)
            for n in range(SENDERS)))


def load_with_faults(cluster: Cluster, seconds: float,
                     faults: list[tuple[float, Callable[[], Any]]]) -> list[Request]:
    """``SENDERS`` conversations through nginx for ``seconds``; each fault runs at its offset."""
    requests: list[Request] = []
    url = f"{cluster.public_url}/webhooks/rest/webhook"
    load = threading.Thread(target=lambda: asyncio.run(_load(url, seconds, requests)))
    start = time.time()
    load.start()
    for offset, fault in faults:
        time.sleep(max(0.0, start + offset - time.time()))
        fault()
    load.join()
    return requests


def failed(requests: list[Request]) -> list[Request]:
    return [r for r in requests if r.outcome != "ok"]


def stored_user_texts(cluster: Cluster, sender: str) -> list[str]:
    """The user messages of a REST sender's conversation as stored in PostgreSQL (all sessions)."""
    store = ConversationStore(domain=Domain.load(str(REPO_ROOT / "domain")),
                                    dialect="postgresql", host="127.0.0.1",
                                    port=cluster.postgres_port, username="postgres",
                                    db=TRACKER_DATABASE)
    try:
        tracker = asyncio.run(store.retrieve_full_tracker(REST_CONVERSATION_PREFIX + sender))
    finally:
        store.engine.dispose()
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def lost(answered: list[Request], stored: list[str]) -> list[Request]:
    """The answered requests whose text is not stored after those answered before it. Texts
    are compared as the store keeps them: with phone and ID numbers masked (a booking reference
    such as "MO2024061" is stored as "*****4061")."""
    remaining = iter(stored)
    return [r for r in answered if mask_numbers(r.text) not in remaining]


def keep_logs(cluster: Cluster, test: str) -> Path:
    """The cluster's logs, copied where they outlive the test's cluster (var/bench/)."""
    kept = RESULTS_DIR / f"faults-{test}-logs"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(cluster.run_dir / "log", kept)
    return kept


def nginx_requests(cluster: Cluster) -> list[dict[str, Any]]:
    time.sleep(3)  # nginx flushes its access log every 2 s
    pattern = re.compile(r'"POST /webhooks/rest/webhook[^"]*" (\d+) .*upstream="([^"]*)".*'
                         r'request_time=([\d.]+) end=([\d.]+)')
    lines = (cluster.run_dir / "log" / "nginx-access.log").read_text().splitlines()
    return [{"status": int(m[1]), "upstreams": m[2], "start": float(m[4]) - float(m[3]),
             "end": float(m[4])} for m in map(pattern.search, lines) if m]


# -- the tests, in the order they run ---------------------------------------------------------------

@dataclass
class ThroughNginx:
    """Stands in for a stack in tests/chat.py's ``say``: messages go through the public port."""

    cluster: Cluster

    @property
    def rasa_url(self) -> str:
        return self.cluster.public_url


class Alternating:
    """Stands in for a stack in tests/chat.py's ``say``: each message goes to the other replica."""

    def __init__(self, cluster: Cluster) -> None:
        self._urls = itertools.cycle(f"http://127.0.0.1:{port}" for port in cluster.rasa_ports)
        self.used: list[str] = []

    @property
    def rasa_url(self) -> str:
        self.used.append(next(self._urls))
        return self.used[-1]


def test_a_conversation_alternating_between_replicas_keeps_its_state_and_books(
        cluster: Cluster, figures: dict[str, Any]) -> None:
    alternating = Alternating(cluster)
    # the smoke test's whole booking conversation (book, look up, cancel), every message to
    # the other replica than the one before
    smoke.test_book_look_up_and_cancel_a_video_session(alternating)  # type: ignore[arg-type]
    assert len(set(alternating.used)) == 2
    figures["alternating replicas"] = {"messages": len(alternating.used), "booked": True,
                                       "looked up and cancelled": True}


def test_killing_a_replica_under_load_loses_no_committed_turn(
        cluster: Cluster, figures: dict[str, Any]) -> None:
    victim = cluster.server("Rasa replica 1")
    victim_port = str(cluster.rasa_ports[0])
    killed: list[float] = []

    def kill() -> None:
        killed.append(time.time())
        os.killpg(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        killed.append(time.time())

    requests = load_with_faults(cluster, 16, [(5, kill)])
    kill_time, dead_time = killed
    served = nginx_requests(cluster)
    # what nginx had sent to the victim by the time it was dead and not answered before the kill
    in_flight_on_victim = [r for r in served if victim_port in r["upstreams"].split(",")[0]
                           and r["start"] <= dead_time and r["end"] >= kill_time]
    after = [r for r in requests if r.start > kill_time]
    # the other replica keeps serving
    assert [r for r in after if r.outcome == "ok"]
    assert len(failed(requests)) <= len(in_flight_on_victim) <= SENDERS
    # every answered turn is stored, in order
    for sender in sorted({r.sender for r in requests}):
        answered = [r for r in requests if r.sender == sender and r.outcome == "ok"]
        not_stored = lost(answered, stored := stored_user_texts(cluster, sender))
        if not_stored:
            first = not_stored[0]
            pytest.fail(f"{sender}: {first.text!r}, answered {first.start - kill_time:+.2f} to "
                        f"{first.end - kill_time:+.2f} s from the kill, is not stored after the "
                        f"turns answered before it (stored: {stored[-12:]}); the cluster's logs "
                        f"are in {keep_logs(cluster, 'sigkill')}")
    slowest = max(r.end - r.start for r in after)
    figures["SIGKILL of one Rasa replica"] = {
        "requests": len(requests), "failed": len(failed(requests)),
        "in flight on the killed replica": len(in_flight_on_victim),
        "answered after the kill": len([r for r in after if r.outcome == "ok"]),
        "slowest answer after the kill (s)": round(slowest, 1),
        "committed turns lost": 0}
    cluster.supervise(report=lambda line: None)  # the runner starts it again
    victim.wait_until_ready(time.monotonic() + 240)


def _recovery(requests: list[Request], down_at: float, back_at: float) -> dict[str, Any]:
    """What the users saw from the moment a service went down until the next fault."""
    failures = [r for r in requests if r.outcome != "ok" and r.end >= down_at]
    last_failure = max((r.end for r in failures), default=back_at)
    during = [r for r in requests if r.end >= down_at and r.start <= back_at + 1]
    return {"requests": len([r for r in requests if r.end >= down_at]),
            "answered while it was away or coming back": len(
                [r for r in during if r.outcome == "ok"]),
            "slowest answer then (s)": round(max((r.end - r.start for r in during), default=0), 1),
            "failed": len(failures),
            "of which no answer at all": len([r for r in failures if r.outcome == "error"]),
            "last failure after the service was back (s)": round(max(0.0, last_failure - back_at),
                                                                 1)}


def test_postgres_then_redis_restarted_under_load_recover_by_themselves(
        cluster: Cluster, figures: dict[str, Any]) -> None:
    down: dict[str, float] = {}
    back: dict[str, float] = {}

    def restart(name: str, action: Callable[[float], None]) -> Callable[[], None]:
        def run() -> None:
            down[name] = time.time()
            action(2.0)
            back[name] = time.time()
        return run

    requests = load_with_faults(cluster, 32, [(5, restart("postgres", cluster.restart_postgres)),
                                              (18, restart("redis", cluster.restart_redis))])
    before_redis = [r for r in requests if r.start < down["redis"]]
    figures["PostgreSQL restarted (down 2 s)"] = {
        **_recovery(before_redis, down["postgres"], back["postgres"]),
        # Rasa answers from an in-memory store while its database is away (FailSafeTrackerStore)
        "answered while it was away, not stored": sum(
            len(lost([r for r in before_redis if r.sender == sender and r.outcome == "ok"
                      and down["postgres"] <= r.end and r.start <= back["postgres"]],
                     stored_user_texts(cluster, sender)))
            for sender in {r.sender for r in requests})}
    figures["Redis restarted (down 2 s)"] = _recovery(requests, down["redis"], back["redis"])
    # recovered by themselves: the last seconds of the load are answered, and the booking
    # service (on PostgreSQL) answers again
    started = min(r.start for r in requests)
    tail = [r for r in requests if r.start > started + 32 - 5]
    assert tail and not failed(tail)
    (ask_time,) = say(ThroughNginx(cluster), "我想預約視像辦物業登記")
    assert ask_time["buttons"], "the booking service offers times again"


def test_postgres_away_longer_than_the_wait_gets_the_apology_not_an_answer_out_of_context(
        cluster: Cluster, figures: dict[str, Any]) -> None:
    """A turn that cannot load its conversation tells the resident to try again (with a button
    that sends the message again) rather than answering as if the conversation had just begun.
    Away for two waits and more, so that turns which start while it is away wait their
    ``OUTAGE_WAIT`` and give up; a turn's load may start later than its request (behind others
    in the turn queue), and is answered in context if the database is back by then."""
    away = 2 * OUTAGE_WAIT + 3
    at: dict[str, float] = {}

    def take_postgres_away() -> None:
        cluster.stop_postgres()
        at["gone"] = time.time()
        time.sleep(away)
        at["starting"] = time.time()  # it takes connections before start_postgres returns
        cluster.start_postgres()
        at["back"] = time.time()

    requests = load_with_faults(cluster, away + 16, [(3, take_postgres_away)])
    started_while_away = [r for r in requests if at["gone"] < r.start < at["back"]]
    outcomes = {"apology": len([r for r in started_while_away if r.outcome == "apology"]),
                "no answer": len([r for r in started_while_away if r.outcome == "error"]),
                # it could not have been loaded: answered out of context
                "answered while it was away": len([r for r in started_while_away
                                                   if r.outcome == "ok"
                                                   and r.end < at["starting"]]),
                "answered once it was back": len([r for r in started_while_away
                                                  if r.outcome == "ok"
                                                  and r.end >= at["starting"]])}
    # Rasa's fail-safe store answered such a turn as a new conversation and never stored it
    outcomes["answered but not stored"] = sum(
        len(lost([r for r in started_while_away if r.sender == sender and r.outcome == "ok"],
                 stored_user_texts(cluster, sender)))
        for sender in {r.sender for r in started_while_away})
    figures[f"PostgreSQL away {away:.0f} s (the store waits {OUTAGE_WAIT:.0f} s)"] = {
        **_recovery(requests, at["gone"], at["back"]),
        "turns started while it was away": outcomes}
    assert outcomes["apology"] and not outcomes["no answer"], outcomes
    assert not outcomes["answered while it was away"], outcomes
    assert not outcomes["answered but not stored"], outcomes
    tail = [r for r in requests if r.start > at["back"] + 3]
    assert tail and not failed(tail)


# the booking conversation, step by step: what to say, and what the answer shows
BOOKING_START = [("我想預約視像辦物業登記", "buttons"), ("first offered time", "名"),
                 ("陳大文", "電話")]
BOOKING_END = [("+852 9123 4567", "證件"), ('/inform{"id_type":"hkid"}', "號碼"),
               ("A123456(3)", "****4563"), ("好", "預約編號：")]


def walk(cluster: Cluster, user: str, steps: list[tuple[str, str]]) -> str:
    """Says each step's text (the first offered time for that placeholder); returns the last
    answer's text."""
    offered = ""
    answer = ""
    for text, expected in steps:
        messages = say(ThroughNginx(cluster), offered if text == "first offered time" else text,
                       user)
        if expected == "buttons":
            offered = messages[0]["buttons"][0]["payload"]
        else:
            answer = texts(messages)
            assert expected in answer, (text, answer)
    return answer


def test_restarting_the_whole_cluster_loses_no_conversation_and_no_booking(
        cluster: Cluster, figures: dict[str, Any]) -> None:
    booked, half_booked, asked = (uuid.uuid4().hex for _ in range(3))
    reference = walk(cluster, booked, BOOKING_START + BOOKING_END).split("預約編號：")[1].split()[0]
    walk(cluster, half_booked, BOOKING_START)
    assert "不動產登記" in texts(say(ThroughNginx(cluster), "我喺香港，可唔可以辦江門嘅物業登記？",
                                     asked))
    stored = {user: stored_user_texts(cluster, user) for user in (booked, half_booked, asked)}

    cluster.stop()
    started = time.monotonic()
    with dataclasses.replace(cluster, servers=[], _services={}) as again:
        restart_seconds = time.monotonic() - started
        assert {user: stored_user_texts(again, user) for user in stored} == stored
        # the conversation in the middle of the booking form goes on where it was
        second = walk(again, half_booked, BOOKING_END).split("預約編號：")[1].split()[0]
        # the one that asked about a service still has it in mind
        public = ThroughNginx(again)
        assert "回鄉證" in texts(say(public, "要帶咩文件", asked))
        # and the booking made before the restart is still there
        someone = uuid.uuid4().hex
        say(public, "查一下我嘅預約", someone)
        say(public, reference, someone)
        assert "狀態：已預約" in texts(say(public, "+852 9123 4567", someone))
    figures["whole cluster stopped and started"] = {
        "conversations kept": len(stored), "bookings kept": 1,
        "booking finished after the restart": second.startswith("JM-"),
        "start again (s)": round(restart_seconds, 1)}
