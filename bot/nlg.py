"""The NLG endpoint: renders the domain's responses in the language the user writes.

Rasa calls ``POST /nlg`` (endpoints.yml ``nlg``) with the response name, its arguments and the
tracker. Each response in domain/*.yml has a Simplified Chinese variant and an English variant
(``metadata: {lang: en}``); Traditional readers get the Chinese one converted (bot.language).
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from sanic import Blueprint, response
from sanic.request import Request

from bot.language import EN, localise, reply_language

logger = logging.getLogger(__name__)

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"
APOLOGY = {
    "zh": "抱歉，系统暂时出了问题。请稍后再试，或致电12345。",
    "en": "Sorry, something went wrong on our side. Please try again later, or call 12345.",
}


class _KeepMissing(dict):
    """Leaves {placeholders} nobody filled as they are, as Rasa's own responses do."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class ResponseTemplates:
    def __init__(self, domain_dir: Path = DOMAIN_DIR) -> None:
        self.responses: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(domain_dir.glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            self.responses.update(document.get("responses") or {})

    def render(self, name: str, language: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The response ``name`` for a reader of ``language``, with {placeholders} filled."""
        variants = self.responses.get(name)
        if not variants:
            logger.error("NLG asked for unknown response %r", name)
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


def nlg_blueprint(templates: ResponseTemplates) -> Blueprint:
    blueprint = Blueprint("nlg")

    @blueprint.post("/nlg")
    async def generate(request: Request) -> response.HTTPResponse:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("response"), str):
            return response.json({"error": "expected JSON with a 'response' name"}, status=400)
        return response.json(render_request(templates, body))

    return blueprint


def render_request(templates: ResponseTemplates, body: Mapping[str, Any]) -> dict[str, Any]:
    """What /nlg answers to Rasa's request: the response, in the language of the tracker's user
    messages (bot.language.reply_language), with slots and arguments filled in."""
    tracker = body.get("tracker") or {}
    events = tracker.get("events") or []
    user_messages = [e for e in reversed(events) if e.get("event") == "user"]
    language = reply_language(user_messages)
    values = {**(tracker.get("slots") or {}), **(body.get("arguments") or {})}
    return templates.render(body["response"], language, values)
