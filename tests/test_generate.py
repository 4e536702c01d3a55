"""What the build derives from the catalog for Rasa: lookups, synonyms, jieba dictionary."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.catalog import Catalog
from bot.catalog.generate import jieba_dictionary, nlu_yaml, write_generated


def test_lookups_hold_normalised_words_longest_first(catalog: Catalog) -> None:
    document = yaml.safe_load(nlu_yaml(catalog))
    lookups = {item["lookup"]: item["examples"].split("\n- ") for item in document["nlu"]
               if "lookup" in item}
    services = [word.lstrip("- ").strip() for word in lookups["service"]]
    assert "物业登记" in services and "物業登記" not in services
    assert [len(w) for w in services] == sorted((len(w) for w in services), reverse=True)
    regions = [word.lstrip("- ").strip() for word in lookups["region"]]
    assert "江门" not in regions  # the city is named in nearly every question: not an entity


def test_synonyms_map_every_word_to_the_id(catalog: Catalog) -> None:
    document = yaml.safe_load(nlu_yaml(catalog))
    synonyms = {item["synonym"]: item["examples"] for item in document["nlu"] if "synonym" in item}
    assert "- 物业登记" in synonyms["property_registration"]
    assert "- hong kong" in synonyms["hong_kong"]


def test_jieba_dictionary_has_both_scripts(catalog: Catalog) -> None:
    lines = jieba_dictionary(catalog).splitlines()
    words = {line.split()[0] for line in lines}
    assert {"不动产登记", "不動產登記", "回乡证", "回鄉證", "江门市人民政府行政服务中心"} <= words
    assert "不对" in words  # bot/nlu/words.yml: a negation jieba would cut off its word
    assert all(len(line.split()) == 3 for line in lines)


def test_output_is_deterministic(catalog: Catalog, tmp_path: Path) -> None:
    first = [p.read_bytes() for p in write_generated(catalog, tmp_path / "a")]
    second = [p.read_bytes() for p in write_generated(catalog, tmp_path / "b")]
    assert first == second
