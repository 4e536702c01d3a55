"""Answers about a Hong Kong or Macau system that is not a mainland service (MPF, 央积金, Macau
social security): what it is and who handles it, or, for a word that names one in one place and
a mainland service in another, which one the resident means."""

from __future__ import annotations

from bot.catalog.model import AmbiguousTerm, Catalog, Service, System
from bot.replies import Phrases, Reply, payload


def explain_system(catalog: Catalog, system: System, phrases: Phrases) -> Reply:
    """A Hong Kong or Macau system: what it is, who handles it, and the mainland counterpart."""
    category = phrases.text(catalog.categories[system.mainland_category].name)
    text = "\n".join([
        phrases("system_explanation", explanation=phrases.text(system.explanation),
                contact=phrases.text(system.contact), website=system.website),
        phrases("system_mainland_offer", category=category)])
    return Reply(text, [
        phrases.button("mainland", payload("list_services", category=system.mainland_category,
                                           system="mainland"), category=category),
        phrases.button("human", payload("human_handoff"))])


def ask_which_system(catalog: Catalog, rule: AmbiguousTerm, term: str, intent: str,
                     service: Service | None, phrases: Phrases) -> Reply:
    """A word that means different things in Hong Kong, Macau and the mainland: ask which."""
    category = phrases.text(catalog.categories[rule.mainland_category].name)
    systems = [catalog.systems[s] for s in rule.candidates]
    lines = [phrases("system_question", term=term),
             phrases("system_option_mainland", category=category)]
    lines += [phrases("system_option", name=phrases.text(s.name)) for s in systems]
    if service:
        mainland = payload(intent, service=service.id, system="mainland")
    else:
        mainland = payload("list_services", category=rule.mainland_category, system="mainland")
    buttons = [phrases.button("mainland", mainland, category=category)]
    buttons += [{"title": phrases.localised(s.name), "payload": payload(intent, system=s.id)}
                for s in systems]
    return Reply("\n".join(lines), buttons)
