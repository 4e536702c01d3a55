"""Answers word each claim by its provenance, show the best source that names the item, never
contradict themselves, and keep Hong Kong notes from Macau readers (and the reverse)."""

from __future__ import annotations

import re

from bot.catalog import Catalog
from bot.catalog.model import HONG_KONG, MACAU
from bot.language import EN, HANS, HANT
from bot.replies import Page, Phrases, Reply
from bot.replies import points as point_replies
from bot.replies import services as service_replies
from bot.replies.booking import how_clerk_connects, materials_to_prepare, video_warning

ZH = Phrases(HANS)


def full_text(reply: Reply) -> str:
    return "\n".join(page.text for page in reply.pages())


def test_reported_inferred_and_official_facts_are_worded_by_level(catalog: Catalog) -> None:
    text = full_text(service_replies.eligibility(catalog, catalog.services["property_registration"],
                                                 ZH))
    assert "主管：江门市自然资源局（据中新社报道）" in text
    assert "不动产交易登记区（推断）" in text and "标“推断”的内容请以官方公布为准" in text
    marriage = full_text(service_replies.eligibility(
        catalog, catalog.services["marriage_registration"], ZH))
    assert "主管：婚姻登记机关\n" in marriage  # official: stated plainly
    permit = full_text(service_replies.eligibility(catalog, catalog.services["residence_permit"],
                                                   ZH))
    assert "须本人到场办理（推断）" in permit  # the audit's overclaim, now worded as what it is


def test_materials_for_macau_say_when_only_hong_kong_is_sourced(catalog: Catalog) -> None:
    marriage = catalog.services["marriage_registration"]
    hong_kong = service_replies.materials(catalog, marriage, ZH, catalog.regions["hong_kong"])
    macau = service_replies.materials(catalog, marriage, ZH, catalog.regions["macau"])
    assert hong_kong.text.startswith("办理“结婚登记（内地居民与港澳居民）”一般需要（据网络文章，非官方资料）")
    assert "香港居民身份证" in hong_kong.text and "澳门居民身份证" not in hong_kong.text
    assert macau.text.startswith("办理“结婚登记（内地居民与港澳居民）”一般需要（推断）")


def test_the_best_source_that_names_the_item_comes_first(catalog: Catalog) -> None:
    permit = service_replies.eligibility(catalog, catalog.services["residence_permit"], ZH)
    assert "来源：《港澳台居民居住证申领发放办法》（2018年）" in permit.text
    for service in catalog.services.values():
        text = service_replies.eligibility(catalog, service, ZH).text
        shown = re.search(r"来源：(.*)", text)
        best = catalog.best_sources(service.sources)
        if best:
            assert shown and shown.group(1).startswith(best[0].short["zh"]), service.id
            assert all(best[0].rank <= catalog.sources[s].rank for s in service.sources)
        else:
            assert "暂无逐项提到本事项的公开资料" in text, service.id


def test_pages_that_name_no_item_are_never_shown_as_its_source(catalog: Catalog) -> None:
    for service_id in ("tax_payment", "individual_business_registration", "tenancy_registration"):
        text = full_text(service_replies.eligibility(catalog, catalog.services[service_id], ZH))
        assert "pygbw.com" not in text and "flfgsc" not in text
    tenancy = full_text(service_replies.eligibility(catalog,
                                                    catalog.services["tenancy_registration"], ZH))
    assert "500余项" in tenancy and "（2023年）" in tenancy  # the scope, with its year


def test_remote_heading_never_lists_a_visit(catalog: Catalog) -> None:
    for service in catalog.services.values():
        lines = full_text(service_replies.eligibility(catalog, service, ZH)).split("\n")
        if "可以不出关办理：" in lines:
            block = lines[lines.index("可以不出关办理：") + 1:]
            bullets = [line for line in block[:next((i for i, line in enumerate(block)
                                                     if not line.startswith("•")), len(block))]]
            assert not any("现场" in line or "大厅" in line for line in bullets), service.id


def test_a_macau_reader_is_not_shown_hong_kong_only_notes(catalog: Catalog) -> None:
    macau, hong_kong = catalog.regions["macau"], catalog.regions["hong_kong"]
    hk_points = [p.name["zh"] for p in catalog.points.values()
                 if catalog.regions[p.region].area == HONG_KONG]
    for service in catalog.services.values():
        only_hk = [n.text["zh"] for n in service.notes if n.audience == HONG_KONG]
        only_hk += [m["zh"] for m in service.materials if m.get("for") == HONG_KONG]
        for build in (service_replies.eligibility, service_replies.materials):
            text = full_text(build(catalog, service, ZH, macau))
            assert not [t for t in only_hk if t in text], service.id
            assert not [p for p in hk_points if p in text], service.id
        only_macau = [m["zh"] for m in service.materials if m.get("for") == MACAU]
        text = full_text(service_replies.materials(catalog, service, ZH, hong_kong))
        assert not [t for t in only_macau if t in text], service.id
    withdrawal = [line for line in full_text(service_replies.eligibility(
        catalog, catalog.services["provident_fund_withdrawal"], ZH, macau)).split("\n")
        if not line.startswith("来源详情")]  # a citation keeps its own title
    assert not [line for line in withdrawal if "中环" in line or "强积金" in line]


def test_dialling_from_hong_kong_always_carries_its_caveat(
        every_answer: list[tuple[str, list[Page]]]) -> None:
    for label, pages in every_answer:
        for page in pages:
            for line in page.text.split("\n"):
                if "+86 750 12345" in line:
                    assert any(caveat in line for caveat in (
                        "未经官方确认", "未經官方確認", "not officially confirmed")), label


def test_no_retired_names_and_no_self_contradiction(
        every_answer: list[tuple[str, list[Page]]]) -> None:
    for label, pages in every_answer:
        for page in pages:
            assert "江门市政务服务中心" not in page.text and "江門市政務服務中心" not in page.text
            assert "现场办理：可以" not in page.text and "現場辦理：可以" not in page.text, label


def test_english_lists_join_with_spaces(catalog: Catalog) -> None:
    text = service_replies.eligibility(catalog, catalog.services["business_registration"],
                                       Phrases(EN)).as_message()
    everything = text["text"] + "".join(p["text"] for p in text.get("more", {}).get("pages", []))
    assert re.search(r"[a-z]and \d+ more", everything) is None
    assert ", and 4 more" in everything


def test_categories_put_the_official_totals_beside_what_we_confirmed(catalog: Catalog) -> None:
    reply = service_replies.categories(catalog, Phrases(HANT), catalog.regions["hong_kong"])
    assert reply.text.startswith("江門官方公佈：港澳居民可“零出關”辦理江門500餘項高頻政務服務（2023年）")
    confirmed = sum(catalog.done_remotely(s) for s in catalog.services.values())
    assert f"本助手收錄{len(catalog.services)}項業務，其中{confirmed}項" in reply.text


def test_a_video_booking_says_when_video_is_not_confirmed(catalog: Catalog) -> None:
    business = catalog.services["business_registration"]
    reply = service_replies.eligibility(catalog, business, ZH)
    assert "预约视频办（待确认可否办理）" in [b["title"] for b in reply.buttons]
    assert "未能确认“企业设立登记（办理营业执照）”可以通过视频办办理" in video_warning(business, ZH)
    assert video_warning(catalog.services["video_service"], ZH) is None
    assert "未见公布" in how_clerk_connects(ZH) and "电话" in how_clerk_connects(ZH)


def test_booking_materials_do_not_repeat_the_id_document(catalog: Catalog) -> None:
    prepared = materials_to_prepare(catalog.services["property_registration"],
                                    "home_return_permit", ZH)
    assert prepared and "回乡证" not in prepared
    hong_kong = materials_to_prepare(catalog.services["property_inheritance_transfer"], "hkid", ZH)
    assert hong_kong and "澳门" not in hong_kong and "香港或澳门居民身份证" not in hong_kong


def test_human_help_never_offers_a_kiosk(catalog: Catalog) -> None:
    kiosks = [p.name["zh"] for p in catalog.points.values() if not p.staffed]
    for region_id in (None, *catalog.regions):
        region = catalog.regions[region_id] if region_id else None
        text = full_text(point_replies.human_routes(catalog, ZH, region))
        assert not [k for k in kiosks if k in text], region_id
        assert "致电12345" in text
