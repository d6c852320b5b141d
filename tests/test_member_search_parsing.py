"""Staff search: what the box understands (members.search), as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from members.search import (
    MemberNumber,
    ParsedQuery,
    SearchInputError,
    normalise_text,
    parse_birth_date,
    parse_query,
    to_katakana,
)

# --- pure normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("山田　花子", "山田花子", id="full-width-space"),
        pytest.param(" 山田 花子 ", "山田花子", id="half-width-spaces"),
        pytest.param("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダハナコ", id="half-width-kana-composed"),
        pytest.param("ＳＭＩＴＨ　Ｊｏｈｎ", "smithjohn", id="full-width-latin-lowered"),
        pytest.param("やまだ", "やまだ", id="hiragana-kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalise_text(text, expected):
    assert normalise_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("やまだはなこ", "ヤマダハナコ"),
        ("ぢゅうゔぁ", "ヂュウヴァ"),
        ("ヤマダ", "ヤマダ"),
        ("山田さくら", "山田サクラ"),
        ("ゝゞ", "ヽヾ"),
    ],
)
def test_to_katakana(text, expected):
    assert to_katakana(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1201-15", ParsedQuery(number=MemberNumber("1201", "15")), id="hyphen"),
        pytest.param("1201 15", ParsedQuery(number=MemberNumber("1201", "15")), id="space"),
        pytest.param("１２０１－１５", ParsedQuery(number=MemberNumber("1201", "15")), id="fw"),
        pytest.param("1201\u221215", ParsedQuery(number=MemberNumber("1201", "15")), id="minus"),
        pytest.param(
            "１２０１\u3000１５", ParsedQuery(number=MemberNumber("1201", "15")), id="fws"
        ),
        pytest.param("記号1201番号15", ParsedQuery(number=MemberNumber("1201", "15")), id="kanji"),
        pytest.param(
            "記号 1201 番号 15", ParsedQuery(number=MemberNumber("1201", "15")), id="kanji-spaced"
        ),
        pytest.param(
            "1201-15-1", ParsedQuery(number=MemberNumber("1201", "15", "01")), id="with-edaban"
        ),
        pytest.param(
            "記号1201番号15枝番01",
            ParsedQuery(number=MemberNumber("1201", "15", "01")),
            id="kanji-with-edaban",
        ),
        pytest.param(
            "0012-0015", ParsedQuery(number=MemberNumber("0012", "0015")), id="leading-zeros"
        ),
        pytest.param("山田　花子", ParsedQuery(name="山田花子"), id="kanji-no-kana-match"),
        pytest.param("やまだ", ParsedQuery(name="やまだ", kana="ヤマダ"), id="hiragana"),
        pytest.param("ﾔﾏﾀﾞ", ParsedQuery(name="ヤマダ", kana="ヤマダ"), id="half-width-kana"),
        pytest.param("山田 さくら", ParsedQuery(name="山田さくら"), id="mixed-kanji-kana"),
        pytest.param("Smith", ParsedQuery(name="smith", kana="smith"), id="latin"),
        pytest.param(" \u3000 ", ParsedQuery(), id="blank"),
    ],
)
def test_parse_query(text, expected):
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("林", True),
        ("山田", True),
        ("ﾔﾏ", True),
        ("山田花", False),
        ("1201-15", False),
        ("", False),
    ],
)
def test_short_queries_are_those_no_trigram_can_narrow(text, short):
    assert parse_query(text).is_short is short


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("1201", "区切って", id="number-without-separator"),
        pytest.param("記号1201", "区切って", id="kigo-only"),
        pytest.param("123456789018", "個人番号では検索できません", id="my-number"),
        pytest.param("1234 5678 9018", "個人番号では検索できません", id="my-number-spaced"),
        pytest.param("１２３４５６７８９０１８", "個人番号では検索できません", id="my-number-fw"),
    ],
)
def test_parse_query_refuses(text, message):
    with pytest.raises(SearchInputError) as error:
        parse_query(text)
    assert message in error.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-04-01", date(1985, 4, 1)),
        ("1985/4/1", date(1985, 4, 1)),
        ("１９８５年４月１日", date(1985, 4, 1)),
        ("昭和60年4月1日", date(1985, 4, 1)),
        ("S60.4.1", date(1985, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_birth_date(text, expected):
    assert parse_birth_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "日付の形式が正しくありません"),
        ("2024-12/02", "日付の形式が正しくありません"),
        ("1985-13-01", "日付として正しくありません"),
        ("平成32年1月1日", "平成は2019年4月30日までです"),
    ],
)
def test_parse_birth_date_refuses_with_a_message(text, message):
    with pytest.raises(SearchInputError) as error:
        parse_birth_date(text)
    assert message in error.value.message
