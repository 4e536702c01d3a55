"""Finding what a user means in the catalog, whatever script they write in."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.catalog.search import find_ids, resolve, search_services


@pytest.mark.parametrize(("text", "service_id"), [
    ("我喺香港，可唔可以辦江門嘅物業登記？", "property_registration"),
    ("物业登记怎么办", "property_registration"),
    ("Do I need to go to Jiangmen in person for marriage registration?", "marriage_registration"),
    ("回鄉證點換", "home_return_permit"),
    ("澳门居民可以跨境办理公积金提取吗", "provident_fund_withdrawal"),
])
def test_finds_the_named_service(catalog: Catalog, text: str, service_id: str) -> None:
    assert search_services(catalog, text).found[0].id == service_id


def test_suggests_close_services_when_none_is_named(catalog: Catalog) -> None:
    result = search_services(catalog, "物業轉名點搞")
    assert not result.found
    assert "property_registration" in [s.id for s in result.suggestions]


def test_nothing_for_unrelated_text(catalog: Catalog) -> None:
    result = search_services(catalog, "今日天氣點")
    assert result.found == [] and result.suggestions == []


def test_english_words_match_on_word_boundaries(catalog: Catalog) -> None:
    assert find_ids(catalog, "regions", "I live in Hong Kong") == ["hong_kong"]
    assert find_ids(catalog, "regions", "chkdsk") == []  # "hk" inside a word is not Hong Kong


def test_regions_points_and_categories(catalog: Catalog) -> None:
    assert "macau" in find_ids(catalog, "regions", "澳門有咩服務點")
    assert find_ids(catalog, "points", "江門行政服務中心幾點開門") == ["jiangmen_admin_centre"]
    assert find_ids(catalog, "categories", "社保方面有哪些可以跨境办") == ["social_insurance"]


def test_resolve_accepts_ids_and_words(catalog: Catalog) -> None:
    assert resolve(catalog, "services", "property_registration") == "property_registration"
    assert resolve(catalog, "services", "物業登記") == "property_registration"
    assert resolve(catalog, "regions", "Macao") == "macau"
    assert resolve(catalog, "services", None) is None
