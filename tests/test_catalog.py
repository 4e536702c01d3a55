"""The knowledge base: what it holds, its provenance rules, and that the validator names file,
entry and field of every problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog import Catalog, CatalogInvalid, load_catalog
from bot.catalog.__main__ import main as catalog_cli
from bot.catalog.model import HONG_KONG, MACAU
from bot.catalog.validate import read_yaml

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def test_catalog_is_large_and_broad(catalog: Catalog) -> None:
    assert len(catalog.services) >= 100
    used = {service.category for service in catalog.services.values()}
    assert len(used) >= 8
    assert all(len(catalog.services_in(category)) >= 4 for category in used)


def test_the_services_residents_ask_about_are_there(catalog: Catalog) -> None:
    """The issue's list of missing services, and the items the domain notes name."""
    expected = {
        "property_registration", "marriage_registration", "home_return_permit",
        "provident_fund_withdrawal", "social_insurance_certificate",
        "birth_medical_certificate", "birth_registration", "divorce_registration",
        "inheritance_notarisation", "kinship_notarisation", "hk_document_attestation",
        "macau_document_attestation", "death_medical_certificate", "funeral_cremation",
        "medical_expense_reimbursement", "cross_region_medical_filing",
        "social_insurance_settlement_on_leaving", "provident_fund_closing_on_leaving",
        "hk_vehicles_northbound", "hk_guangdong_scheme", "hk_oala_guangdong", "iam_smart_login",
        "macau_account_login", "macau_kiosk_services", "video_service"}
    assert expected <= set(catalog.services)
    district_halls = {p.region for p in catalog.points.values()
                      if p.kind == "hall" and p.id.endswith("_hall")}
    assert district_halls == {"pengjiang", "jianghai", "xinhui", "taishan", "kaiping", "heshan",
                              "enping"}


def test_marriage_registration_is_in_person_by_law(catalog: Catalog) -> None:
    marriage = catalog.services["marriage_registration"]
    assert marriage.in_person_required
    assert "民法典" in marriage.in_person_reason["zh"]
    assert marriage.facts["in_person"].level == "official"
    assert not catalog.done_remotely(marriage)
    # the department is the registry the law names, not an unsourced office
    assert marriage.department["zh"] == "婚姻登记机关"


def test_inferences_are_not_stated_as_facts(catalog: Catalog) -> None:
    """The audit's overclaims: the residence permit's visit and the Guangzhou-based channels."""
    assert catalog.services["residence_permit"].facts["in_person"].level == "inferred"
    assert "etax" not in catalog.channels  # no source names 电子税务局
    for service in catalog.services.values():
        if service.channels.get("yueshengshi") and service.id != "iam_smart_login":
            assert service.facts["channels.yueshengshi"].level == "inferred", service.id


def test_the_hall_has_its_five_named_sections_not_everything(catalog: Catalog) -> None:
    hall = catalog.points["jiangmen_admin_centre"]
    assert [s.name["zh"] for s in hall.sections] == [
        "不动产交易登记区", "办税服务区", "开办企业及经营许可区", "工程建设区", "社会服务区"]
    handled = {s.id for s in catalog.services.values() if hall.handles_service(s)}
    assert "property_registration" in handled
    for elsewhere in ("marriage_registration", "residence_permit", "driving_licence_renewal",
                      "temporary_entry_permit", "home_return_permit"):
        assert elsewhere not in handled


def test_unknown_point_details_stay_empty(catalog: Catalog) -> None:
    """Addresses, hours and phones not found in public sources are not made up."""
    hall = catalog.points["jiangmen_admin_centre"]
    assert hall.address["zh"] == "江门市蓬江区堤西路88号"
    assert hall.hours is None and hall.phone is None
    for point in catalog.points.values():
        if point.address is None:
            assert point.location is None, point.id  # coordinates only from a sourced address
        if point.location:
            assert point.location.provenance.level == "inferred"  # placed by hand, and says so
            assert point.location.provenance.reasoning


def test_every_shown_source_names_its_item(catalog: Catalog) -> None:
    for entry in (*catalog.services.values(), *catalog.points.values()):
        for source_id in entry.sources:
            assert entry.id in catalog.sources[source_id].mentions, (entry.id, source_id)


def test_hong_kong_and_macau_documents_need_attestation(catalog: Catalog) -> None:
    for service_id in ("property_inheritance_transfer", "inheritance_notarisation",
                       "power_of_attorney_notarisation", "business_registration"):
        service = catalog.services[service_id]
        hong_kong = [m["zh"] for m in service.materials_for(HONG_KONG)]
        assert any("中国委托公证人" in m for m in hong_kong), service_id
        assert not any("中国委托公证人" in m for m in
                       (m["zh"] for m in service.materials_for(MACAU)))


def test_scope_figures_carry_their_year(catalog: Catalog) -> None:
    figures = {f.id: f for f in catalog.figures.values()}
    assert "500" in figures["jiangmen_items"].text["zh"] and figures["jiangmen_items"].year == 2023
    assert "1311" in figures["video_items"].text["zh"]
    assert {"provincial_items", "hk_macau_points", "cross_province_items"} <= set(figures)


def test_validate_prints_counts_per_provenance_level(capsys: pytest.CaptureFixture) -> None:
    assert catalog_cli(["validate"]) == 0
    out = capsys.readouterr().out
    assert "facts by provenance level: official " in out
    assert "reported " in out and "inferred " in out


def _edit(directory: Path, file: str, change: Callable[[Any], None]) -> None:
    path = directory / file
    document = read_yaml(path)
    change(document)
    path.write_text(yaml.dump(document, Dumper=DUMPER, allow_unicode=True), encoding="utf-8")


def _problems(directory: Path) -> list[str]:
    with pytest.raises(CatalogInvalid) as raised:
        load_catalog(directory)
    return [str(problem) for problem in raised.value.problems]


def _service(document: dict, service_id: str) -> dict:
    return next(s for s in document["services"] if s["id"] == service_id)


def test_a_fact_without_a_level_is_rejected(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml",
          lambda d: _service(d, "property_registration")["department"].pop("level"))
    assert ("services.yml: services 'property_registration': department: "
            "'level' is a required property") in _problems(knowledge_copy)


def test_official_needs_an_official_source(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml",
          lambda d: _service(d, "property_registration")["department"].update(level="official"))
    assert ("services.yml: services 'property_registration': department: "
            "level official needs a source of kind official") in _problems(knowledge_copy)


def test_a_source_must_mention_the_item_it_backs(knowledge_copy: Path) -> None:
    def cite_elsewhere(document: dict) -> None:
        _service(document, "tenancy_registration")["department"] = {
            "zh": "江门市住房和城乡建设局", "en": "Housing bureau", "level": "reported",
            "sources": ["cns_macau_zone_2021"]}

    _edit(knowledge_copy, "services.yml", cite_elsewhere)
    assert ("services.yml: services 'tenancy_registration': department: source "
            "'cns_macau_zone_2021' does not mention 'tenancy_registration'"
            ) in _problems(knowledge_copy)


def test_an_inference_needs_its_reasoning(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml",
          lambda d: _service(d, "tenancy_registration")["materials"].pop("reasoning"))
    assert ("services.yml: services 'tenancy_registration': materials: "
            "'reasoning' is a required property") in _problems(knowledge_copy)


@pytest.mark.parametrize("url", ["buzzrecipe.com/188858.html",
                                 "https://news.tvb.com/sc/local/66800282e2aed073d5df91c7/..."])
def test_malformed_or_cut_short_urls_are_rejected(knowledge_copy: Path, url: str) -> None:
    _edit(knowledge_copy, "sources.yml", lambda d: d["sources"][0].update(url=url))
    assert any(p.startswith("sources.yml: sources 'jm_centre_guide': url:")
               for p in _problems(knowledge_copy))


def test_schema_problem_names_file_entry_and_field(knowledge_copy: Path) -> None:
    _edit(knowledge_copy, "services.yml",
          lambda d: _service(d, "property_registration")["channels"].update(video="maybe"))
    assert _problems(knowledge_copy) == [
        "services.yml: services 'property_registration': channels.video: "
        "'maybe' is not of type 'object'"]


def test_unknown_category_and_reason_rules(knowledge_copy: Path) -> None:
    def break_it(document: dict) -> None:
        service = _service(document, "property_registration")
        service["category"] = "nonsense"
        service["in_person"] = {"required": True, "reason": None, "level": "inferred",
                                "reasoning": "test"}

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
          lambda d: _service(d, "marriage_registration")["aliases"].append("物業登記"))
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
