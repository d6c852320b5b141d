"""The catalogs (locale/): every message of a member template or e-mail is translated into
en, pt_BR and vi; no Japanese is left outside the translation tags of those templates; the
member pages rendered in each other language hold no Japanese but names, addresses, the
insurer's own data, official terms kept in parentheses and 和暦 dates; locale/STRINGS.md is
up to date."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from members.models import Employer, Member
from portal.dev import catalogs
from portal.models import LanguagePreference
from tests import notice_world
from tests.notice_world import issue

household = notice_world.household
TEMPLATES = Path(settings.BASE_DIR) / "templates"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")

# The templates members (and visitors) see: their pages, the shared pieces, allauth's account
# pages as the portal dresses them, and every e-mail a member gets.
MEMBER_TEMPLATES = [
    "base.html",
    "400.html",
    "403.html",
    "404.html",
    "429.html",
    "500.html",
    "503.html",
    "portal/_language_switch.html",
    "portal/_error_summary.html",
    "portal/_field.html",
    "portal/_form.html",
    "portal/_what_to_bring.html",
    "portal/_account_steps.html",
    "portal/landing.html",
    "portal/no_role.html",
    "portal/wrong_role.html",
    "portal/csrf_failure.html",
    "portal/pages/member_home.html",
    "notices/notice_page.html",
    "notices/_fields.html",
    "notices/_guidance.html",
    "notices/_notice_state.html",
    "notices/mismatch/report.html",
    "notices/mismatch/member_case.html",
    "members/linking/link_account.html",
    "eligibility/guide/guide.html",
    "eligibility/_advice.html",
    "eligibility/_radios.html",
    "allauth/elements/field.html",
    "allauth/elements/form.html",
    "account/reauthenticate.html",
    "account/login.html",
    "mfa/reauthenticate.html",
    *sorted(
        str(path.relative_to(TEMPLATES))
        for pattern in (
            "account/email/*.txt",
            "notices/email/*",
            "notices/mismatch/email/*",
            "eligibility/email/certificate_issued_member*",
            "portal/pages/access_log*.html",
        )
        for path in TEMPLATES.glob(pattern)
    ),
]
# Japanese that stays in a member template on purpose: staff-only branches of shared
# templates (staff pages are Japanese), and the notice's item names as printed on it.
KEPT_JAPANESE = [
    # The re-authentication pages: only when a staff approval waits on it.
    "確認が済むと、マイナンバー訂正の承認画面に戻ります。",
    "承認するには、戻った画面でもう一度「承認」を押してください。",
    " ・ ",  # a separator between two translated items (portal/pages/access_log_pdf.html)
    "記録に矛盾があります。確認してください。",  # _advice.html, `staff` only
    "保険者情報",  # base.html: the staff menu
]


# A call in templatize's output: gettext('...'), its literal as written or as repr() wrote it.
_CALL = re.compile(r"""\bgettext\(u?('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")\)""")


def _msgids(template: str) -> set[str]:
    """The msgids Django's makemessages takes from the template (its own templatize)."""
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    return {ast.literal_eval(literal) for literal in _CALL.findall(templatize(source))}


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(catalogs.LOCALE / language / "LC_MESSAGES" / "django.po"))


def _done(entry: polib.POEntry) -> bool:
    """Translated, every plural form included, and not marked fuzzy."""
    texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    return all(texts) and "fuzzy" not in entry.flags


@pytest.mark.parametrize("language", catalogs.LANGUAGES)
def test_every_message_of_a_member_template_is_translated(language):
    translated = {
        entry.msgid for entry in _catalog(language) if _done(entry) and not entry.obsolete
    }
    missing = {
        template: sorted(msgid for msgid in _msgids(template) if msgid not in translated)
        for template in MEMBER_TEMPLATES
    }
    assert not {template: ids for template, ids in missing.items() if ids}


@pytest.mark.parametrize("language", catalogs.LANGUAGES)
def test_every_message_in_the_catalogs_is_translated(language):
    # Also the forms', errors' and advice's messages, which come from Python code.
    untranslated = [
        entry.msgid for entry in _catalog(language) if not entry.obsolete and not _done(entry)
    ]
    assert untranslated == []


def test_the_member_templates_mark_all_their_japanese():
    left = {}
    for template in MEMBER_TEMPLATES:
        source = (TEMPLATES / template).read_text(encoding="utf-8")
        for pattern in (
            r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}",
            r"{%\s*translate .*?%}",
            r"{#.*?#}",
            r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
            r'<span lang="ja">[^<]*</span>',
        ):
            source = re.sub(pattern, "", source, flags=re.S)
        for kept in KEPT_JAPANESE:
            source = source.replace(kept, "")
        lines = [line.strip() for line in source.splitlines() if JAPANESE.search(line)]
        if lines:
            left[template] = lines
    assert left == {}


def test_the_reviewers_table_is_up_to_date():
    assert catalogs.TABLE.read_text(encoding="utf-8") == catalogs.table_text(), (
        "locale/STRINGS.md is stale: run `python -m portal.dev.catalogs table`"
    )


# --- the member's pages in the other languages ---------------------------------------------

# Official terms a member must recognise at a clinic counter, kept in parentheses after the
# translation; and the 和暦 beside a western date.
OFFICIAL = re.compile(
    r"資格情報のお知らせ|資格確認書|マイナ保険証|記号・番号|記号|番号|後期高齢者医療制度|"
    r"被保険者|被扶養者|(?:令和|平成|昭和|大正|明治)(?:元|\d+)年(?:\d+月(?:\d+日)?)?"
)


def _japanese_left(html: str, data: list[str]) -> list[str]:
    text = re.sub(r"<(\w+)[^>]*\slang=\"ja\"[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    text = OFFICIAL.sub(" ", text)
    return sorted({match.strip() for match in re.findall(r"\S*[\u3040-\u9fff]\S*", text)})


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "Enter the last 4 digits"),
        ("pt-br", "Digite os 4 últimos dígitos"),
        ("vi", "Hãy nhập 4 số cuối"),
    ],
)
def test_the_member_pages_in_another_language_leave_only_names_and_official_terms(
    client, household, member, insurer, language, refusal
):
    LanguagePreference.objects.create(user=member, language=language)
    notice = issue(household["insured"])
    client.force_login(member)
    pages = [
        reverse("members:home"),
        reverse("notices:member_notice", args=[notice.pk]),
        reverse("members:mismatch_report", args=[notice.pk]),
        reverse("eligibility:guide") + "?asked=1&card=yes&registered=yes&smartphone=no",
        reverse("eligibility:guide") + "?asked=1&card=maybe",
        reverse("members:access_log"),
    ]
    data = [
        *(value for m in Member.objects.all() for value in (m.name, m.name_kana, m.address)),
        *(employer.name for employer in Employer.objects.all()),
        insurer.name,
        insurer.address,
        insurer.helpdesk_hours,
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language}">' in html and 'name="language"' in html, url
        assert _japanese_left(html, data) == [], url
    # A bad answer gets a message in the member's language that says what to do.
    report = client.post(pages[2], {"card_last4": "12", "contact": "x"}).content.decode()
    assert refusal in report and _japanese_left(report, data) == []


def test_the_allauth_strings_are_allauths_own():
    """portal/allauth_texts.py only translates what allauth says: each msgid is in its catalog."""
    import allauth

    from portal.allauth_texts import ALLAUTH_TEXTS

    theirs = Path(allauth.__file__).parent / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
    assert set(ALLAUTH_TEXTS) <= {entry.msgid for entry in polib.pofile(str(theirs))}
