"""Roster value parsers: pure functions, no database."""

import pytest

from members.validators import (
    RELATIONS,
    RosterValueError,
    normalise_address,
    normalise_digits,
    normalise_kana,
    normalise_name,
    parse_bango,
    parse_edaban,
    parse_kigo,
    parse_my_number,
    parse_myna_registration,
    parse_postal_code,
    parse_relation,
    parse_sex,
)

BAD_LENGTH = "個人番号は12桁の数字で入力してください。"
BAD_CHECK = "個人番号の検査用数字が正しくありません。"


def test_roster_value_error_is_a_value_error_with_its_message():
    error = RosterValueError("日付として正しくありません。")
    assert isinstance(error, ValueError)
    assert error.message == str(error) == "日付として正しくありません。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("123", "123", id="ascii"),
        pytest.param("１２３", "123", id="full-width"),
        pytest.param(" \u3000０１２\t", "012", id="spaces-stripped-zeros-kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalise_digits(text, expected):
    assert normalise_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("123456789018", "123456789018", id="plain"),
        pytest.param("１２３４５６７８９０１８", "123456789018", id="full-width"),
        pytest.param("1234 5678 9018", "123456789018", id="spaces"),
        pytest.param("1234-5678-9018", "123456789018", id="hyphens"),
        pytest.param("１２３４－５６７８－９０１８", "123456789018", id="full-width-hyphens"),
        pytest.param("1234\u22125678\u22129018", "123456789018", id="minus-sign-from-shift-jis"),
        pytest.param("１２３４\u3000５６７８\u3000９０１８", "123456789018", id="fw-space"),
        pytest.param(" 987654321093 ", "987654321093", id="surrounding-spaces"),
        pytest.param("000000000000", "000000000000", id="all-zero-check-digit-0"),
    ],
)
def test_parse_my_number_accepts(text, expected):
    assert parse_my_number(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("123456789017", BAD_CHECK, id="check-digit"),
        pytest.param("１２３４５６７８９０１７", BAD_CHECK, id="fw-check"),
        pytest.param("12345678901", BAD_LENGTH, id="11-digits"),
        pytest.param("1234567890188", BAD_LENGTH, id="13-digits"),
        pytest.param("", BAD_LENGTH, id="empty"),
        pytest.param("12345678901a", BAD_LENGTH, id="letter"),
        pytest.param("1234-5678 9018", BAD_LENGTH, id="mixed-seps"),
        pytest.param("123-45678-9018", BAD_LENGTH, id="bad-groups"),
        pytest.param("1234--5678--9018", BAD_LENGTH, id="double-sep"),
    ],
)
def test_parse_my_number_rejects_without_echoing_the_number(text, message):
    with pytest.raises(RosterValueError) as caught:
        parse_my_number(text)
    assert caught.value.message == message
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) >= 4:
        assert digits[-4:] not in str(caught.value)


@pytest.mark.parametrize("parse", [parse_kigo, parse_bango], ids=["kigo", "bango"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1", "1", id="one-digit"),
        pytest.param("12345678", "12345678", id="eight-digits"),
        pytest.param("00012", "00012", id="leading-zeros-kept"),
        pytest.param("１２３", "123", id="full-width"),
        pytest.param(" 42\u3000", "42", id="stripped"),
    ],
)
def test_kigo_and_bango_accept(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "label"), [(parse_kigo, "記号"), (parse_bango, "番号")], ids=["kigo", "bango"]
)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("123456789", id="nine-digits"),
        pytest.param("12 34", id="inner-space"),
        pytest.param("12a", id="letter"),
        pytest.param("-1", id="sign"),
        pytest.param("\u0663", id="arabic-indic-digit"),
    ],
)
def test_kigo_and_bango_reject(parse, label, text):
    with pytest.raises(RosterValueError, match=f"^{label}は8桁以内の数字"):
        parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("00", "00", id="insured-person"),
        pytest.param("01", "01", id="two-digits"),
        pytest.param("1", "01", id="zero-padded"),
        pytest.param("０２", "02", id="full-width"),
        pytest.param("３", "03", id="full-width-padded"),
        pytest.param(" 99 ", "99", id="stripped"),
    ],
)
def test_parse_edaban_accepts(text, expected):
    assert parse_edaban(text) == expected


@pytest.mark.parametrize("text", ["", "001", "1a", "-1", "1 2"])
def test_parse_edaban_rejects(text):
    with pytest.raises(RosterValueError, match=r"^枝番は2桁の数字"):
        parse_edaban(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("ヤマダ　タロウ", "ヤマダ　タロウ", id="already-normal"),
        pytest.param("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ", id="half-width-with-dakuten"),
        pytest.param("ﾊﾟｰｸ", "パーク", id="handakuten-and-long-vowel"),
        pytest.param("やまだ たろう", "ヤマダ　タロウ", id="hiragana"),
        pytest.param("ゔぃんせんと", "ヴィンセント", id="hiragana-vu-and-small"),
        pytest.param("  サトウ \u3000  ハナコ　", "サトウ　ハナコ", id="spaces-collapsed"),
        pytest.param("ジョン・スミス", "ジョン・スミス", id="middle-dot"),
        pytest.param("ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス", id="half-width-middle-dot"),
        pytest.param("ヵヶヷヺ", "ヵヶヷヺ", id="block-edges"),
        pytest.param("か\u3099", "ガ", id="combining-dakuten"),
    ],
)
def test_normalise_kana_accepts(text, expected):
    assert normalise_kana(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("山田 太郎", "氏名カナはカタカナで入力してください。", id="kanji"),
        pytest.param("YAMADA", "氏名カナはカタカナで入力してください。", id="latin"),
        pytest.param("ルーシ-", "氏名カナはカタカナで入力してください。", id="hyphen-for-choon"),
        pytest.param("ﾞｱ", "氏名カナはカタカナで入力してください。", id="stray-dakuten"),
        pytest.param("ヤマダ\tタロウ", "氏名カナはカタカナで入力してください。", id="tab"),
        pytest.param("ヤマダ1", "氏名カナはカタカナで入力してください。", id="digit"),
        pytest.param("", "氏名カナを入力してください。", id="empty"),
        pytest.param(" \u3000 ", "氏名カナを入力してください。", id="only-spaces"),
    ],
)
def test_normalise_kana_rejects(text, message):
    with pytest.raises(RosterValueError) as caught:
        normalise_kana(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("山田　太郎", "山田　太郎", id="already-normal"),
        pytest.param("山田 太郎", "山田　太郎", id="ascii-space"),
        pytest.param("  山田  \u3000 太郎 ", "山田　太郎", id="runs-collapsed-trimmed"),
        pytest.param("山田\u00a0太郎", "山田　太郎", id="no-break-space"),
        pytest.param("山\ufa11花子", "山\ufa11花子", id="compat-block-saki-kept"),
        pytest.param("髙橋一郎", "髙橋一郎", id="hashigo-taka-kept"),
        pytest.param("\ufa19田", "\ufa19田", id="compat-ideograph-nfkc-would-change"),
        pytest.param("\U00020bb7野家", "\U00020bb7野家", id="beyond-bmp-tsuchiyoshi"),
        pytest.param("葛\U000e0100西", "葛\U000e0100西", id="variation-selector-kept"),
        pytest.param("SMITH John", "ＳＭＩＴＨ　Ｊｏｈｎ", id="latin-to-full-width"),
        pytest.param("ＳＭＩＴＨ　Ｊｏｈｎ", "ＳＭＩＴＨ　Ｊｏｈｎ", id="full-width-latin-kept"),
        pytest.param("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ", id="half-width-kana"),
    ],
)
def test_normalise_name_accepts(text, expected):
    assert normalise_name(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "氏名を入力してください。", id="empty"),
        pytest.param("\u3000 ", "氏名を入力してください。", id="only-spaces"),
        pytest.param("山田\t太郎", "氏名に制御文字が含まれています。", id="tab"),
        pytest.param("山田\n太郎", "氏名に制御文字が含まれています。", id="newline"),
        pytest.param("山田\x00", "氏名に制御文字が含まれています。", id="nul"),
        pytest.param("山\u200b田", "氏名に制御文字が含まれています。", id="zero-width-space"),
        pytest.param("\ufeff山田", "氏名に制御文字が含まれています。", id="bom"),
        pytest.param("山田\u2028太郎", "氏名に制御文字が含まれています。", id="line-separator"),
    ],
)
def test_normalise_name_rejects(text, message):
    with pytest.raises(RosterValueError) as caught:
        normalise_name(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("港区三田１丁目２番３号", "港区三田1丁目2番3号", id="full-width-digits"),
        pytest.param("三田１－２－３", "三田1-2-3", id="full-width-hyphen"),
        pytest.param("三田1\u22122\u22123", "三田1-2-3", id="minus-sign"),
        pytest.param("三田1\u20102\u20153", "三田1-2-3", id="other-dashes"),
        pytest.param("三田1-2-3\u3000ＡＢＣビル　１０１", "三田1-2-3 ABCビル 101", id="fw-space"),
        pytest.param("  三田  1-2-3\t\n101 ", "三田 1-2-3 101", id="whitespace-collapsed"),
        pytest.param("ﾊｲﾂ三田", "ハイツ三田", id="half-width-kana"),
        pytest.param("センター通り", "センター通り", id="choon-not-a-dash"),
        pytest.param("\ufa19田町\ufa11", "\ufa19田町\ufa11", id="compat-ideographs-kept"),
        pytest.param("\U00020bb7野", "\U00020bb7野", id="beyond-bmp"),
        pytest.param("（株）", "(株)", id="full-width-brackets"),
    ],
)
def test_normalise_address(text, expected):
    assert normalise_address(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "住所を入力してください。", id="empty"),
        pytest.param("\u3000\t", "住所を入力してください。", id="only-whitespace"),
        pytest.param("三田\x00", "住所に制御文字が含まれています。", id="nul"),
        pytest.param("三\u200b田", "住所に制御文字が含まれています。", id="zero-width-space"),
    ],
)
def test_normalise_address_rejects(text, message):
    with pytest.raises(RosterValueError) as caught:
        normalise_address(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "text",
    [
        "1080074",
        "108-0074",
        "１０８－００７４",
        "１０８００７４",
        "〒108-0074",
        "〒 108-0074",
        "〒１０８－００７４",
        "108\u22120074",  # minus sign from strict Shift_JIS
        " 108-0074 ",
    ],
)
def test_parse_postal_code_accepts(text):
    assert parse_postal_code(text) == "108-0074"


@pytest.mark.parametrize(
    "text", ["", "108007", "10800745", "1080-074", "108--0074", "108 0074", "ABC-DEFG", "〒"]
)
def test_parse_postal_code_rejects(text):
    with pytest.raises(RosterValueError, match=r"^郵便番号は7桁の数字"):
        parse_postal_code(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("男", "male"),
        ("1", "male"),
        ("１", "male"),  # full-width
        (" 男 ", "male"),
        ("女", "female"),
        ("2", "female"),
        ("２", "female"),  # full-width
    ],
)
def test_parse_sex_accepts(text, expected):
    assert parse_sex(text) == expected


@pytest.mark.parametrize("text", ["", "0", "3", "9", "男性", "M", "F", "男女"])
def test_parse_sex_rejects(text):
    with pytest.raises(RosterValueError, match=r"^性別は"):
        parse_sex(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[(relation, relation) for relation in ("本人", "配偶者", "子", "父", "母", "その他")],
        (" 子\u3000", "子"),  # surrounding spaces
        ("妻", "配偶者"),  # the spouse's name on 被扶養者（異動）届
        ("夫", "配偶者"),
    ],
)
def test_parse_relation_accepts(text, expected):
    assert parse_relation(text) == expected


@pytest.mark.parametrize("text", ["", "長男", "義父", "祖母", "兄", "妻（未届）", "ほんにん"])
def test_parse_relation_rejects_and_lists_allowed_values(text):
    with pytest.raises(RosterValueError) as caught:
        parse_relation(text)
    expected = "続柄は本人、配偶者、子、父、母、その他のいずれかで入力してください。"
    assert caught.value.message == expected
    assert all(relation in caught.value.message for relation in RELATIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有", "registered"),
        ("無", "not_registered"),
        ("解除", "cancelled"),
        ("", ""),  # empty cell: nothing said
        ("\u3000", ""),  # a cell holding only a space is empty too
        (" 有 ", "registered"),
    ],
)
def test_parse_myna_registration_accepts(text, expected):
    assert parse_myna_registration(text) == expected


@pytest.mark.parametrize("text", ["あり", "なし", "1", "有り", "登録済"])
def test_parse_myna_registration_rejects(text):
    with pytest.raises(RosterValueError, match=r"^マイナ保険証は"):
        parse_myna_registration(text)
