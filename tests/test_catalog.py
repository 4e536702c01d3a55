"""The knowledge base: what it holds, and that the validator names file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.catalog import Catalog, CatalogInvalid, load_catalog


def test_catalog_is_large_and_broad(catalog: Catalog) -> None:
    assert len(catalog.services) >= 60
    used = {service.category for service in catalog.services.values()}
    assert len(used) >= 8
    assert all(len(catalog.services_in(category)) >= 4 for category in used)


def test_items_named_in_the_domain_notes_are_there(catalog: Catalog) -> None:
    ids = set(catalog.services)
    for expected in ("property_registration", "marriage_registration", "home_return_permit",
                     "provident_fund_withdrawal", "social_insurance_certificate"):
        assert expected in ids


def test_marriage_registration_is_in_person_with_the_reason(catalog: Catalog) -> None:
    marriage = catalog.services["marriage_registration"]
    assert marriage.in_person_required
    assert "民法典" in marriage.in_person_reason["zh"]
    assert not marriage.can_be_done_remotely


def test_home_return_permit_is_handled_elsewhere(catalog: Catalog) -> None:
    assert "中国旅行社" in catalog.services["home_return_permit"].handled_elsewhere["zh"]


def test_unknown_point_details_stay_empty(catalog: Catalog) -> None:
    """Addresses, hours and phones not found in public sources are not made up."""
    hall = catalog.points["jiangmen_admin_centre"]
    assert hall.address["zh"] == "江门市蓬江区堤西路88号"
    assert hall.hours is None and hall.phone is None
    assert catalog.points["macau_jiangmen_association_zone"].address is None


def test_every_verified_entry_cites_a_url(catalog: Catalog) -> None:
    for entry in (*catalog.services.values(), *catalog.points.values()):
        if entry.verified:
            assert any(source.startswith("http") for source in entry.sources), entry.id


def _edit(directory: Path, file: str, change) -> None:
    path = directory / file
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def _problems(directory: Path) -> list[str]:
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(directory)
    return [str(problem) for problem in raised.value.problems]


def test_schema_problem_names_file_entry_and_field(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml",
          lambda d: d["services"][0]["channels"].update(video="maybe"))
    assert _problems(knowledge_copy) == [
        "services.yml: services 'property_registration': channels.video: "
        "'maybe' is not of type 'boolean', 'null'"]


def test_missing_english_is_reported(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml", lambda d: d["services"][1]["name"].pop("en"))
    problems = _problems(knowledge_copy)
    assert problems == ["services.yml: services 'marriage_registration': name: "
                        "'en' is a required property"]


def test_unknown_category_and_reason_rules(knowledge_copy: Path) -> None:
    def break_it(document: dict) -> None:
        service = document["services"][0]
        service["category"] = "nonsense"
        service["in_person"] = {"required": True, "reason": None}

    _edit(knowledge_copy, "services.yml", break_it)
    problems = _problems(knowledge_copy)
    entry = "services.yml: services 'property_registration'"
    assert f"{entry}: category: unknown category 'nonsense'" in problems
    assert (f"{entry}: in_person.reason: a service that must be done in person needs the reason"
            in problems)
    assert (f"{entry}: channels.cross_border_zone: cannot be true when in_person.required is true"
            in problems)


def test_an_alias_belongs_to_one_service(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml",
          lambda d: d["services"][1].setdefault("aliases", []).append("物業登記"))
    assert any("'物业登记' also belongs to 'property_registration'" in p
               for p in _problems(knowledge_copy))


def test_point_with_unknown_region(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "service_points.yml",
          lambda d: d["points"][0].update(region="atlantis"))
    assert ("service_points.yml: points 'jiangmen_admin_centre': region: unknown region 'atlantis'"
            in _problems(knowledge_copy))


def test_yaml_syntax_error_gives_the_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "systems.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[10] = "  - id: [unclosed"
    path.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = _problems(knowledge_copy)
    assert problem.startswith("systems.yml: line 1")
