"""Service points: the current service's points first, the user's district nearest first, the
rest behind "more"; the nearest points to a shared location; no coordinates, region buttons."""

from __future__ import annotations

from typing import Any

from actions.location import ActionShareLocation
from actions.replies import ActionShowMore
from bot.catalog import Catalog
from bot.catalog.geo import Position, distance_km, rank
from bot.dialogue import Turn, find_service_point
from bot.language import HANS, HANT
from bot.replies import MORE_METADATA, Phrases
from bot.replies import points as point_replies
from bot.replies.location import nearest
from tests.test_actions import payloads, run

ZH = Phrases(HANS)
HALL = (22.59, 113.08)  # near 江门市人民政府行政服务中心, as the widget's browser test grants


def test_distance_is_great_circle() -> None:
    hall, central = Position(*HALL), Position(22.282, 114.155)
    assert 105 < distance_km(hall, central) < 120
    assert Position.of("22.5", 113) == Position(22.5, 113.0)
    assert Position.of(95, 113) is None and Position.of("north", 1) is None
    assert Position.of(float("nan"), 1) is None


def test_points_for_the_service_come_first(catalog: Catalog) -> None:
    reply = point_replies.service_points(catalog, ZH, catalog.services["property_registration"],
                                         catalog.regions["hong_kong"])
    first_screen = reply.as_message()["text"]
    assert first_screen.startswith("可办理“不动产登记”的服务点（香港附近的在前）：")
    assert "可办“不动产登记”" in first_screen
    assert "工联会" not in first_screen  # it only renews driving licences: behind "more"


def test_a_police_station_service_never_shows_the_hall(catalog: Catalog) -> None:
    for region in (None, catalog.regions["jiangmen"], catalog.regions["pengjiang"]):
        reply = point_replies.service_points(catalog, ZH, catalog.services["residence_permit"],
                                             region)
        first = reply.as_message()["text"]
        assert "派出所" in first and "行政服务中心" not in first


def test_a_district_gets_its_nearest_points(catalog: Catalog) -> None:
    reply = point_replies.service_points(catalog, Phrases(HANT), None,
                                         catalog.regions["yuen_long"])
    message = reply.as_message()
    assert message["text"].startswith("離元朗區較近的服務點：\n📍 ")
    assert "約" in message["text"].split("\n")[1]  # a distance, from the district's centre
    assert message["buttons"][-1]["payload"].startswith("/show_more")  # the rest behind "more"
    later = "".join(page["text"] for page in message[MORE_METADATA]["pages"])
    assert "江門在港澳共設服務點6個" in later and "（2023年）" in later  # the official count too


def test_own_district_first_even_without_a_location(catalog: Catalog) -> None:
    ranked = rank(catalog.points_in("jiangmen"), Position(22.52, 113.03), ["xinhui"])
    assert ranked[0].point.id == "xinhui_hall" and ranked[0].km is None


def test_nearest_to_the_hall_ranks_it_first_with_a_distance(catalog: Catalog) -> None:
    reply = nearest(catalog, ZH, Position(*HALL))
    lines = reply.text.split("\n")
    assert lines[0] == "离你最近的服务点（直线距离）："
    assert lines[1].startswith("1. 江门市人民政府行政服务中心：约") and "米" in lines[1]
    later = "\n".join(reply.more)
    assert "位置未公布（未排序）：" in later and "江港跨境通办政务服务专区（香港）" in later
    unranked = later.split("位置未公布（未排序）：")[1]
    assert "1." not in unranked  # listed, never ranked


def test_without_coordinates_the_region_buttons(catalog: Catalog) -> None:
    reply = nearest(catalog, ZH, None)
    assert reply.text == "没有收到你的位置。请选择你所在的地区："
    assert [b["payload"] for b in reply.buttons] == [
        '/find_service_point{"region":"hong_kong"}', '/find_service_point{"region":"macau"}',
        '/find_service_point{"region":"jiangmen"}']


async def test_the_share_location_payload(make_tracker, domain) -> None:
    entities = [{"entity": "latitude", "value": HALL[0]},
                {"entity": "longitude", "value": HALL[1]}]
    tracker = make_tracker('/share_location{"latitude": 22.59, "longitude": 113.08}',
                           "share_location", entities, history=[("最近嘅服務點喺邊", "find_service_point")])
    _, (message,) = await run(ActionShareLocation(), tracker, domain)
    assert message["text"].startswith("離你最近的服務點（直線距離）：\n1. 江門市人民政府行政服務中心：約")
    broken = make_tracker("/share_location", "share_location",
                          [{"entity": "latitude", "value": "abc"}])
    _, (message,) = await run(ActionShareLocation(), broken, domain)
    assert '/find_service_point{"region":"macau"}' in payloads(message)


async def test_more_sends_the_next_screen(make_tracker, domain) -> None:
    first = point_replies.service_points(catalog_fixture(), Phrases(HANT), None,
                                         catalog_fixture().regions["yuen_long"]).as_message()
    more_id = first["buttons"][-1]["payload"].split('"more_id":"')[1].rstrip('"}')
    tracker = make_tracker(first["buttons"][-1]["payload"], "show_more",
                           [{"entity": "more_id", "value": more_id}])
    tracker.events.insert(-1, {"event": "bot", "text": first["text"],
                               "metadata": {MORE_METADATA: first[MORE_METADATA]}})
    _, (message,) = await run(ActionShowMore(), tracker, domain)
    assert message["text"] == first[MORE_METADATA]["pages"][0]["text"]
    typed = make_tracker("睇更多", "show_more")
    typed.events.insert(-1, {"event": "bot", "text": first["text"],
                             "metadata": {MORE_METADATA: first[MORE_METADATA]}})
    _, (message,) = await run(ActionShowMore(), typed, domain)
    assert message["text"] == first[MORE_METADATA]["pages"][0]["text"]
    nothing = make_tracker("更多", "show_more")
    _, (message,) = await run(ActionShowMore(), nothing, domain)
    assert message["text"] == "這部分內容已經過期了，請重新提問。"


def catalog_fixture() -> Catalog:
    from bot.catalog import default_catalog

    return default_catalog()


def test_a_question_about_points_uses_the_current_service(catalog: Catalog) -> None:
    turn = Turn(text="澳門有咩服務點", entities={"region": "macau"},
                slots={"service": "provident_fund_withdrawal"}, language=HANT)
    reply: Any = find_service_point(catalog, turn).reply
    assert reply.text.startswith("可辦理“住房公積金提取”的服務點（澳門附近的在前）：")
    # NLU names both the area and the district (the catalog's generated lookups have both)
    central = Turn(text="我喺香港中環，最近嘅服務點喺邊",
                   entities={"region": ["hong_kong", "central_western"]},
                   slots={}, language=HANT)
    reply = find_service_point(catalog, central).reply
    assert reply.text.startswith("離中西區較近的服務點：")


def test_where_for_a_service_no_point_takes_says_in_person_and_offers_no_video() -> None:
    catalog = catalog_fixture()
    service = catalog.services["marriage_registration"]
    assert service.in_person_required and not catalog.points_handling(service)
    message = point_replies.service_points(catalog, Phrases(HANT), service, None).as_message()
    assert message["text"].startswith("“結婚登記（內地居民與港澳居民）”須本人到場辦理")
    assert "婚姻登記機關" in message["text"].split("\n")[1]  # where in Jiangmen
    assert "/book_video_service" not in payloads(message)
    assert "/human_handoff" in payloads(message)
