"""Importing the official item list: all or nothing, bad rows named by line, official facts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.catalog import CatalogInvalid, load_catalog
from bot.catalog.__main__ import main as catalog_cli
from bot.catalog.importer import import_csv
from bot.catalog.validate import read_yaml

HEADER = ("id,name_zh,name_en,category,department_zh,department_en,level,cross_border_zone,video,"
          "in_person_required,in_person_reason_zh,in_person_reason_en,materials_zh,materials_en,"
          "aliases,source\n")
NEW_ROW = ("birth_record_copy,出生医学证明补发,Birth certificate reissue,family_records,"
           "江门市卫生健康局,Jiangmen Health Commission,市级,否,是,,,,回乡证;申请表,"
           "Home Return Permit;Application form,出世纸补发,official_list\n")
OFFICIAL_LIST = {"id": "official_list", "title": {"zh": "江门跨境通办事项清单", "en": "Item list"},
                 "short": {"zh": "官方清单", "en": "the official list"}, "kind": "official",
                 "url": "https://example.gov.cn/list.csv", "year": 2026, "mentions": []}


@pytest.fixture
def knowledge(knowledge_copy: Path) -> Path:
    """The catalog with the official list registered as a source."""
    path = knowledge_copy / "sources.yml"
    document = read_yaml(path)
    document["sources"].append(OFFICIAL_LIST)
    path.write_text(yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                              allow_unicode=True), encoding="utf-8")
    return knowledge_copy


def write_csv(directory: Path, *rows: str) -> Path:
    path = directory / "official.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_adds_and_updates_services_as_official_facts(knowledge: Path) -> None:
    update = ("property_registration,不动产登记,Real estate registration,property,"
              "江门市自然资源局,Jiangmen Natural Resources Bureau,市级,是,是,,,,,,"
              "楼宇登记,official_list\n")
    result = import_csv(write_csv(knowledge, NEW_ROW, update), knowledge)
    assert result.added == ["birth_record_copy"] and result.updated == ["property_registration"]
    catalog = load_catalog(knowledge)
    added = catalog.services["birth_record_copy"]
    assert added.channels["video"] is True and added.channels["cross_border_zone"] is False
    assert added.facts["channels.video"].level == "official"
    assert [m["en"] for m in added.materials] == ["Home Return Permit", "Application form"]
    updated = catalog.services["property_registration"]
    assert updated.channels["video"] is True and updated.facts["department"].level == "official"
    assert "official_list" in updated.sources
    assert "楼宇登记" in updated.aliases and "物业登记" in updated.aliases  # aliases merge
    assert len(updated.materials) == 5  # no materials in the row: the old ones stay
    assert {"birth_record_copy", "property_registration"} <= set(
        catalog.sources["official_list"].mentions)  # the list names what it has rows for
    text = (knowledge / "services.yml").read_text(encoding="utf-8")
    assert "# Service catalog of the Jiangmen cross-border service assistant." in text


def test_only_an_official_source_can_be_imported(knowledge: Path) -> None:
    row = NEW_ROW.replace("official_list", "cns_macau_zone_2021")
    with pytest.raises(CatalogInvalid) as raised:
        import_csv(write_csv(knowledge, row), knowledge)
    assert any("line 2 (birth_record_copy)" in str(p) and "kind official" in str(p)
               for p in raised.value.problems)


def test_bad_rows_are_reported_by_line_and_nothing_is_written(knowledge: Path) -> None:
    before = (knowledge / "services.yml").read_bytes()
    bad_level = NEW_ROW.replace(",市级,", ",区级,")
    bad_flag = NEW_ROW.replace("birth_record_copy", "second_item").replace(",否,是,", ",maybe,是,")
    with pytest.raises(CatalogInvalid) as raised:
        import_csv(write_csv(knowledge, bad_level, bad_flag), knowledge)
    problems = [str(p) for p in raised.value.problems]
    assert any(p.startswith("official.csv: line 2: level:") for p in problems)
    assert ("official.csv: line 3: cross_border_zone: 'maybe' is not 是/否, yes/no or empty"
            in problems)
    assert (knowledge / "services.yml").read_bytes() == before


def test_a_row_that_breaks_a_catalog_rule_is_blamed_on_its_line(knowledge: Path) -> None:
    clash = NEW_ROW.replace("出世纸补发", "物业登记")  # alias of property_registration
    with pytest.raises(CatalogInvalid) as raised:
        import_csv(write_csv(knowledge, clash), knowledge)
    assert any(str(p).startswith("official.csv: line 2 (birth_record_copy): aliases:")
               for p in raised.value.problems)


def test_in_person_needs_a_reason(knowledge: Path) -> None:
    row = NEW_ROW.replace(",否,是,,,,", ",否,否,是,,,")
    with pytest.raises(CatalogInvalid) as raised:
        import_csv(write_csv(knowledge, row), knowledge)
    assert any("line 2" in str(p) and "reason" in str(p) for p in raised.value.problems)


def test_missing_columns_and_duplicate_ids(knowledge: Path) -> None:
    path = knowledge / "official.csv"
    path.write_text("id,name_zh\nx,y\n", encoding="utf-8")
    with pytest.raises(CatalogInvalid) as raised:
        import_csv(path, knowledge)
    assert "official.csv: line 1: name_en: required column is missing" in [
        str(p) for p in raised.value.problems]
    with pytest.raises(CatalogInvalid) as raised:
        import_csv(write_csv(knowledge, NEW_ROW, NEW_ROW), knowledge)
    assert "official.csv: line 3: id: also on line 2" in [str(p) for p in raised.value.problems]


def test_not_utf8(knowledge: Path) -> None:
    path = knowledge / "official.csv"
    path.write_bytes((HEADER + NEW_ROW).encode("gb18030"))
    with pytest.raises(CatalogInvalid, match="not UTF-8"):
        import_csv(path, knowledge)


def test_command_line_reports_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "official.csv"
    path.write_text(HEADER + NEW_ROW.replace(",市级,", ",区级,"), encoding="utf-8")
    assert catalog_cli(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "official.csv: line 2: level:" in err and "nothing was changed" in err
