"""Every answer the bot builds from the catalog, in every language, for readers anywhere.

Used by the screen-length and Traditional-conversion tests: anything a user can be shown is here,
so a new builder or a new catalog entry is checked without writing a test for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rasa.shared.core.domain import Domain

from bot.catalog.geo import Position
from bot.catalog.model import Catalog
from bot.language import EN, HANS, HANT
from bot.nlg import ResponseTemplates
from bot.replies import Phrases, Reply
from bot.replies import location as location_replies
from bot.replies import points as point_replies
from bot.replies import services as service_replies
from bot.replies import systems as system_replies
from bot.replies.booking import how_clerk_connects, materials_to_prepare, video_warning

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "domain"
LANGUAGES = (HANT, HANS, EN)
# readers with no known place, in Hong Kong, in a Hong Kong district, in Macau, in Jiangmen
READER_REGIONS = (None, "hong_kong", "yuen_long", "macau", "xinhui")
# the hall, Central, Macau, somewhere at sea: every kind of ranking
POSITIONS = (Position(22.59, 113.08), Position(22.28, 114.16), Position(22.19, 113.54), None)


def replies(catalog: Catalog) -> Iterator[tuple[str, Reply]]:
    for language in LANGUAGES:
        phrases = Phrases(language)
        for region_id in READER_REGIONS:
            region = catalog.regions[region_id] if region_id else None
            for service in catalog.services.values():
                label = f"{language} {region_id} {service.id}"
                yield f"eligibility {label}", service_replies.eligibility(catalog, service, phrases,
                                                                          region)
                yield f"materials {label}", service_replies.materials(catalog, service, phrases,
                                                                      region)
                yield f"points {label}", point_replies.service_points(catalog, phrases, service,
                                                                      region)
            yield f"categories {language} {region_id}", service_replies.categories(
                catalog, phrases, region)
            yield f"human {language} {region_id}", point_replies.human_routes(catalog, phrases,
                                                                              region)
        for region in catalog.regions.values():
            yield f"points {language} {region.id}", point_replies.service_points(
                catalog, phrases, None, region)
        for point in catalog.points.values():
            yield f"point {language} {point.id}", point_replies.single_point(catalog, point,
                                                                             phrases)
        for category in catalog.categories:
            for page in (1, 2, 3):
                yield f"category {language} {category} {page}", service_replies.category_page(
                    catalog, category, page, phrases)
        for position in POSITIONS:
            for service in (None, catalog.services["property_registration"]):
                yield f"nearest {language} {position} {service}", location_replies.nearest(
                    catalog, phrases, position, service)
        for system in catalog.systems.values():
            yield f"system {language} {system.id}", system_replies.explain_system(
                catalog, system, phrases)
        for rule in catalog.ambiguous_terms:
            yield f"which system {language} {rule.terms[0]}", system_replies.ask_which_system(
                catalog, rule, rule.terms[0], "ask_eligibility", None, phrases)
        yield f"no match {language}", service_replies.no_match(
            "护照" * 30, list(catalog.services.values())[:3], phrases)
        yield f"which service {language}", service_replies.ask_which_service(phrases)
        yield f"ask region {language}", point_replies.ask_region(catalog, phrases)


def domain_responses() -> Iterator[tuple[str, dict]]:
    """The domain's own responses, as the NLG endpoint renders them for each language."""
    templates = ResponseTemplates(Domain.load(str(DOMAIN_DIR)).responses)
    for name in templates.responses:
        for language in LANGUAGES:
            yield f"{name} {language}", templates.render(name, language, {})


def booking_phrases(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """The lines the booking track takes from bot/replies/booking.py."""
    for language in LANGUAGES:
        phrases = Phrases(language)
        yield f"clerk {language}", how_clerk_connects(phrases)
        for service in catalog.services.values():
            warning = video_warning(service, phrases)
            if warning:
                yield f"video {language} {service.id}", warning
            for id_type in ("home_return_permit", "hkid", "macau_id", "residence_permit"):
                prepared = materials_to_prepare(service, id_type, phrases)
                if prepared:
                    yield f"prepare {language} {service.id} {id_type}", prepared
