"""Domain responses rendered inside the Rasa server, in the language the user writes.

endpoints.yml declares ``nlg: {type: bot.nlg.DomainResponseGenerator}``; Rasa loads the class by
its module path (``rasa/core/nlg/generator.py``) and hands it the trained domain. Each response in
domain/*.yml has a Simplified Chinese variant and an English variant (``metadata: {lang: en}``);
Traditional readers get the Chinese one converted (``bot.language.localise``).

Why in the Rasa process and not an ``/nlg`` HTTP endpoint (the profile is in docs/deploy.md): a
callback costs, on every ``utter_*``, Rasa's serialisation of the whole tracker and of every domain
response, a new HTTP connection, and a JSON-schema check of the answer, and the serialised tracker
grows with the conversation. Rendering one template here costs a dictionary look-up and, for
Traditional readers, one OpenCC conversion.

The reply language is decided by ``bot.language.reply_language`` once per user message and reused
for every response of that turn.
"""

from __future__ import annotations

import logging
import string
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.language import EN, localise, reply_language

logger = logging.getLogger(__name__)

APOLOGY = {
    "zh": "抱歉，系统暂时出了问题。请稍后再试，或致电12345。",
    "en": "Sorry, something went wrong on our side. Please try again later, or call 12345.",
}
# how many turns' language decisions to remember (one per conversation in the middle of a turn)
DECISIONS_KEPT = 4096


class _KeepMissing(dict):
    """Leaves {placeholders} nobody filled as they are, as Rasa's own responses do."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class ResponseTemplates:
    """The domain's responses (name -> variants, as in domain/*.yml), rendered for a reader."""

    def __init__(self, responses: Mapping[str, list[dict[str, Any]]]) -> None:
        self.responses = dict(responses)

    def render(self, name: str, language: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The response ``name`` for a reader of ``language``, with {placeholders} filled."""
        variants = self.responses.get(name)
        if not variants:
            logger.error("asked for unknown response %r", name)
            return {"text": APOLOGY["en" if language == EN else "zh"]}
        variant = _variant_for(variants, language)
        rendered: dict[str, Any] = {"text": self._fill(variant.get("text", ""), language, values)}
        if variant.get("buttons"):
            rendered["buttons"] = [
                {"title": self._fill(button["title"], language, values),
                 "payload": button["payload"]}
                for button in variant["buttons"]]
        for key in ("image", "custom", "attachment"):
            if key in variant:
                rendered[key] = variant[key]
        return rendered

    @staticmethod
    def _fill(template: str, language: str, values: Mapping[str, Any]) -> str:
        filled = string.Formatter().vformat(template, (), _KeepMissing(
            {k: v for k, v in values.items() if v is not None}))
        return localise(filled, language)


def _variant_for(variants: list[dict[str, Any]], language: str) -> dict[str, Any]:
    def is_english(variant: dict[str, Any]) -> bool:
        return (variant.get("metadata") or {}).get("lang") == EN

    wanted = [v for v in variants if is_english(v) == (language == EN)]
    return (wanted or variants)[0]


def _user_messages(tracker: DialogueStateTracker) -> Iterator[dict[str, Any]]:
    """The user's messages, newest first, as ``bot.language`` reads them (lazily: it usually
    needs only the newest)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            yield {"text": event.text, "metadata": event.metadata, "parse_data": event.parse_data}


class DomainResponseGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's NLG, in process: ``nlg: {type: bot.nlg.DomainResponseGenerator}``.

    A ``TemplatedNaturalLanguageGenerator`` so that Rasa hands it the responses of each model it
    loads (``Agent.load_model`` sets ``responses`` on generators of that type); Rasa creates it
    before any model is loaded.
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None,
                 domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self._decided: OrderedDict[tuple[str, str | None, float] | None, str] = OrderedDict()

    @property  # type: ignore[override]
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self.templates.responses

    @responses.setter
    def responses(self, responses: Mapping[str, list[dict[str, Any]]]) -> None:
        self.templates = ResponseTemplates(responses)

    def language_of(self, tracker: DialogueStateTracker) -> str:
        """The reply language of the tracker's current turn, decided once per user message."""
        latest = tracker.latest_message
        key = (tracker.sender_id, latest.message_id, latest.timestamp) if latest else None
        language = self._decided.get(key)
        if language is None:
            language = reply_language(_user_messages(tracker))
            self._decided[key] = language
            if len(self._decided) > DECISIONS_KEPT:
                self._decided.popitem(last=False)
        return language

    async def generate(self, utter_action: str, tracker: DialogueStateTracker,
                       output_channel: str, **kwargs: Any) -> dict[str, Any] | None:
        # Rasa passes every domain response along for utter actions; they are ours already
        kwargs.pop("domain_responses", None)
        values = {**tracker.current_slot_values(), **kwargs}
        return self.templates.render(utter_action, self.language_of(tracker), values)
