"""Judging the bot's replies the way a resident would: the right kind of answer about the right
service, in their script, with a next step, never a generic dead end or a mangled echo.

Kinds are recognised from what the resident sees: the phrases of bot/messages.yml and the domain's
responses (rendered in the reader's language, so rewording a phrase keeps the judge true) and the
buttons' payloads. The format of the conversation files is in README.md next to this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain

from bot.catalog import Catalog
from bot.language import EN, HANS, HANT, detect_script, localise
from bot.nlg import ResponseTemplates
from bot.replies import Phrases, phrase_data

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "domain"

SCRIPT_OF_FORM = {"cantonese": HANT, "traditional": HANT, "simplified": HANS, "english": EN}
# Replies that answer nothing: a failure unless the conversation expects one of them.
GENERIC = {"fallback", "out_of_scope", "anything_else", "noted"}
# Kinds recognised by phrase (messages.yml key -> kind). Keys that do not exist are skipped.
PHRASE_KINDS = {
    "materials_heading": "materials", "materials_none": "materials",
    "points_heading": "points", "points_for_service": "points", "point_name": "points",
    "no_points_in_region": "points", "ask_region": "clarify",
    # where a service no point takes is done: in person in Jiangmen, or not confirmed
    "in_person_where": "points", "no_point_for_service": "points",
    # the service card of a service Jiangmen does not handle (no materials button: where it is done)
    "handled_elsewhere": "eligibility",
    "handoff_heading": "human",
    "categories_heading": "categories", "categories_heading_region": "categories",
    "category_page_heading": "category_page",
    "system_question": "which_system", "system_explanation": "system",
    "no_service_match": "not_in_list", "ask_which_service": "clarify",
    "understanding.not_in_list": "not_in_list", "understanding.which_of": "clarify",
    "understanding.confirm_service": "confirm", "understanding.legal": "legal",
    "understanding.shorter": "shorter", "understanding.language_notice": "language",
    "understanding.clarify": "clarify", "understanding.clarify_service": "clarify",
    "understanding.not_in_list_unnamed": "not_in_list", "understanding.short_help": "shorter",
}
RESPONSE_KINDS = {
    "utter_greet": "greet", "utter_goodbye": "goodbye", "utter_thank": "thanks",
    "utter_iamabot": "bot", "utter_out_of_scope": "out_of_scope", "utter_default": "fallback",
    "utter_anything_else": "anything_else", "utter_noted": "noted",
}
# Phrases that repeat the user's words: what they quote must be the user's own words.
ECHOING = ("no_service_match", "understanding.not_in_list")


@dataclass
class Reply:
    """What the bot sent for one user turn."""

    messages: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.messages)

    @property
    def payloads(self) -> list[str]:
        return [b.get("payload", "") for m in self.messages
                for b in (m.get("buttons") or []) + (m.get("quick_replies") or [])]


@dataclass
class Verdict:
    ok: bool
    problems: list[str] = field(default_factory=list)


def _template_regex(template: str, echo: bool = False) -> re.Pattern[str]:
    """A template with {placeholders} as a regex; with ``echo`` the {query} is captured."""
    parts = re.split(r"(\{\w+\})", template)
    pattern = ""
    for part in parts:
        if re.fullmatch(r"\{\w+\}", part):
            pattern += "(?P<query>.+?)" if echo and part == "{query}" else ".+?"
        else:
            pattern += re.escape(part)
    return re.compile(pattern, re.S)


def _phrase_text(key: str, language: str) -> str | None:
    try:
        data = phrase_data(key)
    except (KeyError, TypeError):
        return None
    if not isinstance(data, Mapping) or "zh" not in data:
        return None
    return Phrases(language).text(data)


@cache
def _patterns(language: str) -> list[tuple[str, str, re.Pattern[str]]]:
    """(kind, key, regex) for every phrase and response, in one reader's language."""
    patterns = []
    for key, kind in PHRASE_KINDS.items():
        template = _phrase_text(key, language)
        if template is None:
            continue
        if language != EN:
            template = localise(template, language)
        patterns.append((kind, key, _template_regex(template, echo=key in ECHOING)))
    templates = ResponseTemplates(Domain.load(str(DOMAIN_DIR)).responses)
    for name, kind in RESPONSE_KINDS.items():
        text = templates.render(name, language, {})["text"]
        patterns.append((kind, name, re.compile(re.escape(text.split("\n")[0][:40]))))
    return patterns


def _all_patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    """Every language's patterns: the kind of a reply does not depend on its script (the script
    is checked on its own)."""
    return [p for language in (HANT, HANS, EN) for p in _patterns(language)]


def kinds_of(reply: Reply, language: str) -> set[str]:
    """The kinds of answer in a reply."""
    text = reply.text
    found = {kind for kind, _, regex in _all_patterns() if regex.search(text)}
    if any(p.startswith("/ask_materials{") and '"service"' in p for p in reply.payloads):
        found.add("eligibility")
    if "system" not in found and any('"system":"mainland"' in p for p in reply.payloads):
        found.add("system" if "which_system" not in found else "which_system")
    return found


def echoes(reply: Reply, language: str) -> list[str]:
    """The user words a reply quotes back ("I could not find “...”")."""
    quoted = []
    for _, key, regex in _all_patterns():
        if key in ECHOING:
            quoted += [m.group("query") for m in regex.finditer(reply.text)
                       if "query" in regex.groupindex]
    return quoted


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def reply_script(text: str) -> str | None:
    """HANT, HANS, EN, "zh" (either Chinese script) or None for a reply's text."""
    text = re.sub(r"https?://\S+", "", text)
    han = len(re.findall(r"[\u3400-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if latin > 3 * han:
        return EN
    return detect_script("".join(re.findall(r"[\u3400-\u9fff]", text))) if han else None


def _mentions(catalog: Catalog, reply: Reply, kind: str, entry_id: str, language: str) -> bool:
    collection = catalog.services if kind == "service" else catalog.regions
    entry = collection[entry_id]
    if any(f'"{kind}":"{entry_id}"' in p for p in reply.payloads):
        return True
    names = {entry.name["en"], localise(entry.name["zh"], language),
             localise(entry.name["zh"], HANT), entry.name["zh"]}
    return any(name and name in reply.text for name in names)


def _subject(catalog: Catalog, reply: Reply, language: str) -> str | None:
    """The service an eligibility or materials card is about."""
    for p in reply.payloads:
        match = re.match(r'/ask_(materials|eligibility)\{"service":"(\w+)"', p)
        if match and ("eligibility" if match.group(1) == "materials" else "materials") in \
                kinds_of(reply, language):
            return match.group(2)
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def judge(catalog: Catalog, user_text: str, reply: Reply, expect: Mapping[str, Any],
          language: str) -> Verdict:
    """Whether one reply is what a resident needed; the problems if not."""
    problems: list[str] = []

    def check(ok: bool, why: str) -> None:
        if not ok:
            problems.append(why)

    if not reply.messages:
        return Verdict(False, ["no reply at all"])
    kinds = kinds_of(reply, language)
    wanted = _as_list(expect.get("kind"))
    if wanted:
        check(bool(kinds & set(wanted)), f"kind {sorted(kinds) or '?'} is not {wanted}")
    generic = (kinds & GENERIC) - set(wanted)
    check(not generic, f"a generic reply ({', '.join(sorted(generic))})")
    services = _as_list(expect.get("service"))
    if services:
        check(any(_mentions(catalog, reply, "service", s, language) for s in services),
              f"not about {services}")
    for region in _as_list(expect.get("region")):
        check(_mentions(catalog, reply, "region", region, language), f"does not name {region}")
    for service in _as_list(expect.get("not_service")):
        check(_subject(catalog, reply, language) != service, f"answers {service} again")
    for words in _as_list(expect.get("says")):
        options = str(words).split("|")
        check(any(_plain(o) in _plain(reply.text) for o in options), f"does not say {words!r}")
    for words in _as_list(expect.get("not_says")):
        check(_plain(str(words)) not in _plain(reply.text), f"says {words!r}")
    script = expect.get("script", language)
    if script != "any":
        actual = reply_script(reply.text)
        same = actual == script or (actual == "zh" and script in (HANT, HANS))
        check(same, f"script {actual} instead of {script}")
    has_next_step = bool(reply.payloads) or "12345" in reply.text or \
        reply.text.rstrip().endswith(("?", "？"))
    check(has_next_step, "a dead end: no button, no question, no 12345")
    for quoted in echoes(reply, language):
        check(_plain(quoted) in _plain(user_text), f"echoes {quoted!r}, not the user's words")
    return Verdict(not problems, problems)


def language_of_form(form: str) -> str:
    return SCRIPT_OF_FORM[form]


def all_kinds() -> Iterable[str]:
    return sorted({*PHRASE_KINDS.values(), *RESPONSE_KINDS.values(), "eligibility", "system"})
