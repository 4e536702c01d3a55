"""bot/balance.py: a worker with more turns than the least loaded of the port's workers (by more
than the margin) closes webhook connections after answering, so their clients are dealt again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot import balance
from bot.channels import reliable


@pytest.fixture
def two_workers() -> Iterator[None]:
    """This process as worker 0 of two; worker 1 idle."""
    balance.share_between(2)
    balance.serve_as(1)
    balance.publish(0)
    balance.serve_as(0)
    yield
    balance.share_between(1)  # and serving as none: a single process never closes connections


def _answered(path: str) -> bool:
    """Whether the connection stays open after the middleware has seen the response."""
    request = SimpleNamespace(path=path, stream=SimpleNamespace(keep_alive=True))
    asyncio.run(balance.deal_again_if_busier(request, None))  # type: ignore[arg-type]
    return request.stream.keep_alive


def test_a_single_process_keeps_every_connection() -> None:
    balance.share_between(1)
    balance.publish(50)
    assert not balance.busier_than_the_others()
    assert _answered("/webhooks/rest/webhook")


def test_a_worker_more_than_the_margin_above_the_least_loaded_closes_webhook_connections(
        two_workers: None) -> None:
    balance.publish(balance.MARGIN)
    assert _answered("/webhooks/rest/webhook")
    balance.publish(balance.MARGIN + 1)
    assert not _answered("/webhooks/rest/webhook")
    assert not _answered("/webhooks/wechat/webhook")
    # a Socket.IO session lives in this worker; the widget's pages and health checks stay too
    assert _answered("/socket.io/")
    assert _answered("/health")
    balance.serve_as(1)
    balance.publish(balance.MARGIN + 1)  # the other one as busy: nothing to gain
    balance.serve_as(0)
    assert _answered("/webhooks/rest/webhook")


def test_the_turn_queue_publishes_the_turns_waiting_and_computing(two_workers: None) -> None:
    busier_while_computing: list[bool] = []

    async def bot(message: UserMessage) -> None:
        await asyncio.sleep(0.01)
        busier_while_computing.append(balance.busier_than_the_others())
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    async def send(count: int) -> None:
        handle = reliable.never_silent(bot)
        await asyncio.gather(*(handle(UserMessage("hi", CollectingOutputChannel(), f"s{n}"))
                               for n in range(count)))

    asyncio.run(send(balance.MARGIN + 2))
    # the first turn computes with all of them in the process; the last one alone
    assert busier_while_computing[0] and not busier_while_computing[-1]
    assert not balance.busier_than_the_others()  # all answered
