"""A message is understood while its conversation loads.

Rasa's ``MessageProcessor.log_message`` loads the conversation (the tracker store waits for the
database), then runs the NLU graph on the message, one after the other. This model's NLU graph
reads nothing of the conversation: no node before the NLU target needs the tracker placeholder
(checked on the model itself, below), and Rasa parses with an empty tracker when it has none. So
the load starts first, its database work runs in a worker thread (``bot.conversations.window``),
and the NLU graph runs on the event loop meanwhile; the turn then goes on exactly as Rasa's does,
with the parse data given to ``_handle_message_with_tracker`` as a message that carries it.

A model whose NLU graph does read the tracker, a message that arrives already parsed, and an NLU
server (``http_interpreter``) take Rasa's own path.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.shared.core.trackers import DialogueStateTracker

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_log_message = MessageProcessor.log_message

# on a processor: whether its NLU graph reads the tracker (a processor serves one model)
_READS_TRACKER = "_nlu_reads_tracker"


def nlu_reads_tracker(processor: MessageProcessor) -> bool:
    """Whether a node the NLU target depends on takes the tracker as an input."""
    known = getattr(processor, _READS_TRACKER, None)
    if known is not None:
        return known
    schema = processor.model_metadata.predict_schema
    needed, seen, reads = [processor.model_metadata.nlu_target], set(), False
    while needed:
        name = needed.pop()
        if name in seen or name not in schema.nodes:
            continue
        seen.add(name)
        inputs = schema.nodes[name].needs.values()
        reads = reads or PLACEHOLDER_TRACKER in inputs
        needed.extend(inputs)
    setattr(processor, _READS_TRACKER, reads)
    return reads


async def log_message_understood_while_loading(
        self: MessageProcessor, message: UserMessage,
        should_save_tracker: bool = True) -> DialogueStateTracker:
    if message.parse_data or self.http_interpreter or nlu_reads_tracker(self):
        return await _rasas_log_message(self, message, should_save_tracker)
    loading = asyncio.ensure_future(self.fetch_tracker_and_update_session(
        message.sender_id, message.output_channel, message.metadata))
    try:
        await asyncio.sleep(0)  # the load runs up to its database call, which waits in a thread
        parse_data: dict[str, Any] = await self.parse_message(message)
    except BaseException:
        loading.cancel()
        await asyncio.wait([loading])  # no load left running; its own outcome is not this error
        if not loading.cancelled():
            loading.exception()
        raise
    tracker = await loading
    understood = copy.copy(message)
    understood.parse_data = parse_data
    await self._handle_message_with_tracker(understood, tracker)
    if should_save_tracker:
        await self.save_tracker(tracker)
    return tracker
