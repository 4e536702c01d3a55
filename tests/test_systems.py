"""Hong Kong MPF, Macau 央積金 and Macau 社保 are not the mainland services."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.catalog.systems import check_systems
from bot.language import EN, HANS, HANT


@pytest.mark.parametrize(("text", "system_id"), [
    ("強積金點攞", "hk_mpf"),
    ("can I withdraw my MPF in Jiangmen", "hk_mpf"),
    ("央積金結餘點查", "mo_cpf"),
    ("澳門社會保障基金供款", "mo_fss"),
])
def test_a_named_system_is_explained(catalog: Catalog, text: str, system_id: str) -> None:
    assert check_systems(catalog, text, HANT).system.id == system_id


@pytest.mark.parametrize(("text", "script"), [
    ("我想攞返啲公積金", HANT),
    ("how do I withdraw my provident fund", EN),
    ("我在澳门，社保怎么查", HANS),
])
def test_a_word_that_could_be_either_is_asked_about(catalog: Catalog, text: str,
                                                   script: str) -> None:
    check = check_systems(catalog, text, script)
    assert check.system is None and check.ambiguous is not None


@pytest.mark.parametrize(("text", "script"), [
    ("澳门居民可以跨境办理公积金提取吗", HANS),  # 跨境: the mainland fund
    ("江門住房公積金點提取", HANT),
    ("公积金提取要什么材料", HANS),  # Simplified, no Hong Kong or Macau word
    ("社保证明怎么开", HANS),
])
def test_mainland_questions_go_ahead(catalog: Catalog, text: str, script: str) -> None:
    check = check_systems(catalog, text, script)
    assert check.system is None and check.ambiguous is None
