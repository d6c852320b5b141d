"""Staff member search: the search page, its results, its audit and who may use it."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse

from members import search
from members.search import (
    search_members,
)
from portal.models import AuditEvent
from tests.factories import make_employer, make_member, valid_my_number

URL = reverse("members:staff_search")


# --- the search page ------------------------------------------------------------------------


@pytest.fixture
def roster(db):
    buhin = make_employer("1201", "日本部品工業株式会社")
    other = make_employer("1301", "東西商事株式会社")
    hanako = make_member(buhin, bango="15", birth_date=date(1985, 4, 1))
    taro = make_member(
        insured=hanako,
        edaban="01",
        relation="子",
        name="山田　太郎",
        name_kana="ヤマダ　タロウ",
        birth_date=date(2015, 6, 10),
    )
    ichiro = make_member(
        other,
        bango="7",
        name="佐藤　一郎",
        name_kana="サトウ　イチロウ",
        birth_date=date(1970, 1, 20),
    )
    sakura = make_member(
        buhin,
        bango="16",
        name="山本　さくら",
        name_kana="ヤマモト　サクラ",
        birth_date=date(1990, 2, 3),
        lost_on=date(2020, 4, 1),
    )
    return {"buhin": buhin, "other": other, "花子": hanako, "太郎": taro, "一郎": ichiro,
            "さくら": sakura}  # fmt: skip


def _found(client, **params) -> list[str]:
    response = client.get(URL, {"include_lost": "on", **params})
    assert response.status_code == 200
    return [member.name.split("\u3000")[1] for member, _ in response.context["rows"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("1201-15", ["花子", "太郎"], id="number-hyphen"),
        pytest.param("1201 15", ["花子", "太郎"], id="number-space"),
        pytest.param("１２０１－１５", ["花子", "太郎"], id="number-full-width"),
        pytest.param("記号1201番号15", ["花子", "太郎"], id="number-kanji"),
        pytest.param("1201-15-01", ["太郎"], id="number-with-edaban"),
        pytest.param("1201-1", [], id="number-is-exact-not-partial"),
        pytest.param("山田", ["花子", "太郎"], id="kanji-family"),
        pytest.param("田花", ["花子"], id="kanji-across-the-space"),
        pytest.param("山田　花子", ["花子"], id="kanji-full-width-space"),
        pytest.param("山田花子", ["花子"], id="kanji-no-space"),
        pytest.param("ハナコ", ["花子"], id="katakana-partial"),
        pytest.param("ﾊﾅｺ", ["花子"], id="half-width-kana"),
        pytest.param("ﾔﾏﾀﾞ ﾊﾅｺ", ["花子"], id="half-width-kana-with-space"),
        pytest.param("はなこ", ["花子"], id="hiragana"),
        pytest.param("やまだ　はなこ", ["花子"], id="hiragana-with-space"),
        pytest.param("ヤマ", ["花子", "太郎", "さくら"], id="kana-prefix-two-chars"),
        pytest.param("さくら", ["さくら"], id="hiragana-in-name-and-kana"),
        pytest.param("林", [], id="no-match"),
        pytest.param("%", [], id="like-wildcard-is-literal"),
        pytest.param("_", [], id="like-underscore-is-literal"),
    ],
)
def test_search_by_query(client, clerk, roster, q, expected):
    client.force_login(clerk)
    assert _found(client, q=q) == expected


@pytest.mark.parametrize(
    "birth_date", ["1985-04-01", "昭和60年4月1日", "S60.4.1", "１９８５年４月１日"]
)
def test_search_by_birth_date_in_seireki_or_wareki(client, clerk, roster, birth_date):
    client.force_login(clerk)
    assert _found(client, birth_date=birth_date) == ["花子"]


def test_search_by_employer_and_criteria_combine_with_and(client, clerk, roster):
    client.force_login(clerk)
    assert _found(client, employer=roster["other"].pk) == ["一郎"]
    assert _found(client, employer=roster["other"].pk, q="山田") == []
    assert _found(client, q="山田", birth_date="H27.6.10") == ["太郎"]
    assert _found(client, q="ヤマ", employer=roster["buhin"].pk, birth_date="1990-02-03") == [
        "さくら"
    ]


def test_lost_members_are_included_or_left_out(client, clerk, roster):
    client.force_login(clerk)
    page = client.get(URL, {"q": "山本", "include_lost": "on"})
    assert [m.name for m, _ in page.context["rows"]] == ["山本　さくら"]
    assert "喪失(令和2年4月1日 (2020年))" in page.content.decode()
    assert _found(client, q="ヤマ", include_lost="") == ["花子", "太郎"]
    # An unticked checkbox is simply absent from a GET form.
    response = client.get(URL, {"q": "山本"})
    assert list(response.context["rows"]) == []


def test_results_show_the_columns_staff_need(client, clerk, roster):
    client.force_login(clerk)
    page = client.get(URL, {"q": "1201-15", "include_lost": "on"}).content.decode()
    for text in [
        "1201-15-00",
        "山田　花子",
        "ヤマダ　ハナコ",
        "本人",
        "昭和60年4月1日",
        "日本部品工業株式会社",
        "資格あり",
        "2件",
        reverse("members:staff_member", args=[roster["花子"].pk]),
    ]:
        assert text in page, text


def test_search_members_never_loads_the_vault_columns(roster):
    member = search_members(query="山田")[0]
    assert {"mynumber_token", "mynumber_hash"} <= member.get_deferred_fields()


def test_leaving_out_lost_members_needs_the_day(roster):
    with pytest.raises(ValueError, match="as_of"):
        search_members(query="山田", include_lost=False)
    found = search_members(query="ヤマ", include_lost=False, as_of=date(2020, 3, 31))
    assert [m.name for m in found] == ["山田　花子", "山田　太郎", "山本　さくら"]


def test_empty_form_shows_a_hint_and_searches_nothing(client, clerk, roster):
    client.force_login(clerk)
    for params in [{}, {"include_lost": "on"}, {"q": "  ", "page": "2"}]:
        response = client.get(URL, params)
        assert response.status_code == 200
        assert response.context["page"] is None
        assert "いずれかを入力して検索してください" in response.content.decode()
    assert not AuditEvent.objects.filter(action="member.search").exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"birth_date": "abc", "employer": "xyz", "page": "zzz"}, "日付の形式が正しくありません"),
        ({"birth_date": "abc"}, "日付の形式が正しくありません"),
        ({"birth_date": "平成32年1月1日"}, "平成は2019年4月30日までです"),
        ({"employer": "xyz"}, "正しく選択してください"),
        ({"employer": "999999"}, "正しく選択してください"),
        ({"q": "1201"}, "区切って"),
        ({"q": "x" * 101}, "100 文字以下"),
        ({"q": "山田", "page": "zzz"}, "2件"),
        ({"q": "山田", "page": "-1"}, "2件"),
        ({"q": "山田", "page": "99999999999999999999"}, "2件"),
        ({"q": "山田", "include_lost": "maybe"}, "2件"),
        ({"q": "\x00山田"}, "使用できない文字が含まれています"),
        ({"birth_date": "\x00"}, "使用できない文字が含まれています"),
    ],
)
def test_garbage_parameters_get_a_message_never_a_500(client, clerk, roster, params, message):
    client.force_login(clerk)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("field", ["q", "birth_date"])
def test_a_my_number_typed_in_is_refused_not_echoed_and_not_logged(client, clerk, roster, field):
    number = valid_my_number(12345678901)
    client.force_login(clerk)
    response = client.get(URL, {field: number})
    page = response.content.decode()
    assert response.status_code == 200
    assert "個人番号では検索できません" in page
    assert number not in page
    assert not AuditEvent.objects.filter(action="member.search").exists()


def test_every_search_is_audited_with_its_criteria(client, clerk, roster):
    client.force_login(clerk)
    client.get(URL, {"q": "やまだ　はなこ", "birth_date": "S60.4.1", "include_lost": "on"})
    client.get(URL, {"q": "記号1201番号15", "employer": roster["buhin"].pk})
    first, second = AuditEvent.objects.filter(action="member.search").order_by("id")
    assert first.actor == clerk
    assert first.detail == {
        "name": "やまだはなこ",
        "birth_date": "1985-04-01",
        "include_lost": True,
        "page": 1,
        "results": 1,
        "capped": False,
    }
    assert second.detail == {
        "kigo": "1201",
        "bango": "15",
        "employer": "1201",
        "include_lost": False,
        "page": 1,
        "results": 2,
        "capped": False,
    }


@pytest.fixture
def sixty_suzukis(db):
    employer = make_employer()
    return [
        make_member(
            employer, bango=f"{number:03d}", name="鈴木　一郎", name_kana="スズキ　イチロウ"
        )
        for number in range(1, 61)
    ]


# 3 characters and more go through the trigram indexes; 1-2 characters through one ordered scan.
@pytest.mark.parametrize("q", ["すずき", "鈴木"])
def test_results_are_paginated_by_fifty_and_keep_the_query(client, clerk, sixty_suzukis, q):
    client.force_login(clerk)
    first = client.get(URL, {"q": q, "include_lost": "on"})
    assert len(first.context["rows"]) == 50
    assert [m.bango for m, _ in first.context["rows"]][:2] == ["001", "002"]
    page = first.content.decode()
    assert "60件" in page and "1 / 2 ページ" in page
    assert "?" + urlencode({"q": q, "include_lost": "on"}).replace("&", "&amp;") in page
    assert "include_lost=on&amp;page=2" in page
    second = client.get(URL, {"q": q, "include_lost": "on", "page": "2"})
    assert [m.bango for m, _ in second.context["rows"]] == [f"{n:03d}" for n in range(51, 61)]
    assert AuditEvent.objects.filter(action="member.search").count() == 2
    assert AuditEvent.objects.filter(action="member.search").latest("id").detail["page"] == 2


@pytest.mark.parametrize("q", ["すずき", "鈴木"])
def test_a_broad_match_is_counted_only_up_to_the_cap(client, clerk, sixty_suzukis, monkeypatch, q):
    monkeypatch.setattr(search, "RESULT_CAP", 55)
    client.force_login(clerk)
    response = client.get(URL, {"q": q, "include_lost": "on"})
    page = response.content.decode()
    assert "55件以上見つかりました" in page
    assert "1 / 2 ページ" in page
    last = client.get(URL, {"q": q, "include_lost": "on", "page": "2"})
    assert len(last.context["rows"]) == 5
    assert AuditEvent.objects.filter(action="member.search").latest("id").detail["capped"]


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
def test_others_cannot_search(client, request, roster, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL, {"q": "山田"}).status_code == 403
    assert not AuditEvent.objects.filter(action="member.search").exists()


def test_anonymous_visitors_are_sent_to_login(client, roster):
    response = client.get(URL, {"q": "山田"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_home_has_a_search_box(client, supervisor, insurer):
    client.force_login(supervisor)
    page = client.get(reverse("staff_home")).content.decode()
    assert f'action="{URL}"' in page and 'name="q"' in page


def test_the_database_extracts_trigrams_from_japanese_text(db):
    # pg_trgm treats characters outside the database's ctype alphabet as separators; under a
    # plain C locale Japanese yields no trigrams and the search indexes would never be used.
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('山田花子'), show_trgm('ヤマダ')")
        kanji, kana = cursor.fetchone()
    assert len(kanji) >= 4 and len(kana) >= 3
