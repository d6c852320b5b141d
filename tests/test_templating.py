"""The template loader that works out fixed text once per language (portal.templating): every
folded construct renders byte for byte what Django's own nodes render, in every language, and
what it must not fold (another language's block, autoescape off, `as`, a context, a count, a
filter, arguments) is left to Django."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Engine
from django.template.base import TextNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from portal.templating import FoldedBlockTranslateNode
from tests import notice_world
from tests.notice_world import issue

household = notice_world.household

LANGUAGES = [code for code, _ in settings.LANGUAGES]

# Each: (name, source, context). Texts are the portal's own messages, so each language has them.
CASES = [
    ("literal", '{% translate "マイページ" %}|{% trans "ログアウト" %}', {}),
    (
        "literal with markup",
        '<a href="{% url \'members:home\' %}">{% translate "マイページ" %}</a>',
        {},
    ),
    ("noop", '{% translate "マイページ" noop %}', {}),
    ("as", '{% translate "マイページ" as title %}[{{ title }}]', {}),
    ("context", '{% translate "マイページ" context "menu" %}', {}),
    ("filter", '{% translate "ログアウト"|upper %}', {}),
    ("variable", "{% translate word %}", {"word": "マイページ"}),
    (
        "blocktranslate",
        "{% blocktranslate with name=person %}{{ name }} さん{% endblocktranslate %}",
        {"person": "<髙橋 & 花子>"},
    ),
    (
        "blocktranslate, a variable missing",
        "{% blocktranslate %}{{ member_name }} 様{% endblocktranslate %}",
        {},
    ),
    (
        "blocktranslate trimmed",
        "{% blocktranslate trimmed with name=person %}\n  {{ name }} さん\n{% endblocktranslate %}",
        {"person": "花子"},
    ),
    (
        "blocktranslate as",
        "{% blocktranslate with name=person asvar said %}{{ name }} さん{% endblocktranslate %}"
        "({{ said }})",
        {"person": "花子"},
    ),
    (
        "blocktranslate count",
        "{% blocktranslate count n=items %}{{ n }}件{% plural %}{{ n }}件{% endblocktranslate %}",
        {"items": 3},
    ),
    ("url with an argument", "{% url 'notices:member_notice' 7 %}", {}),
    ("url as", "{% url 'members:home' as home %}<{{ home }}>", {}),
    ("static", "{% static 'css/portal.css' %}", {}),
    (
        "branches and loops",
        '{% for i in items %}{% if i == 1 %}{% translate "マイページ" %}{% elif i == 2 %}'
        '{% translate "ログアウト" %}{% else %}{% url "members:home" %}{% endif %}{% empty %}'
        '{% translate "ログイン" %}{% endfor %}'
        '{% with x=1 %}{% translate "マイページ" %}{% endwith %}',
        {"items": [1, 2, 3]},
    ),
    (
        "another language's block",
        '{% translate "マイページ" %}/{% language "en" %}{% translate "マイページ" %}'
        "{% url 'members:home' %}{% endlanguage %}",
        {},
    ),
    (
        "autoescape off",
        '{% autoescape off %}{% translate "マイページ" %}{% blocktranslate with name=person %}'
        "{{ name }} さん{% endblocktranslate %}{% endautoescape %}",
        {"person": "<b>"},
    ),
]


def _engines(sources: dict[str, str]) -> tuple[Engine, Engine]:
    options = {
        "builtins": ["django.templatetags.i18n", "django.templatetags.static"],
        "autoescape": True,
    }
    locmem = ("django.template.loaders.locmem.Loader", sources)
    stock = Engine(loaders=[("django.template.loaders.cached.Loader", [locmem])], **options)
    folding = Engine(loaders=[("portal.templating.Loader", [locmem])], **options)
    return stock, folding


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "source", "context"), CASES, ids=[case[0] for case in CASES])
def test_a_folded_template_renders_what_djangos_own_renders(language, name, source, context):
    stock, folding = _engines({"page.html": source})
    with translation.override(language):
        expected = stock.get_template("page.html").render(Context(context))
        assert folding.get_template("page.html").render(Context(context)) == expected
        # The cached copy (a second render of the same loaded template) too.
        assert folding.get_template("page.html").render(Context(context)) == expected


def _nodes(template) -> list:
    return list(template.nodelist.get_nodes_by_type(object))


def test_what_is_fixed_is_worked_out_once_per_language():
    source = (
        '{% extends "base.html" %}{% block content %}{% translate "マイページ" %}'
        "{% blocktranslate with name=person %}{{ name }} さん{% endblocktranslate %}"
        "{% url 'members:home' %}{% endblock %}"
    )
    stock, folding = _engines(
        {"base.html": "<main>{% block content %}{% endblock %}</main>", "page.html": source}
    )
    with translation.override("en"):
        english = folding.get_template("page.html")
    with translation.override("vi"):
        vietnamese = folding.get_template("page.html")
    assert english is not vietnamese  # a copy per language
    for template in (english, vietnamese):
        nodes = _nodes(template)
        assert not [node for node in nodes if type(node) is TranslateNode]
        assert [node for node in nodes if isinstance(node, FoldedBlockTranslateNode)]
        assert not [node for node in nodes if type(node) is BlockTranslateNode]
    texts = [node.s for node in _nodes(english) if isinstance(node, TextNode)]
    assert "My page" in texts and reverse("members:home") in texts
    with translation.override("en"):
        assert folding.get_template("page.html") is english  # cached, not folded again
        context = {"person": "Hanako"}
        expected = stock.get_template("page.html").render(Context(context))
        assert english.render(Context(context)) == expected


def test_a_broken_translation_falls_back_as_django_does(monkeypatch):
    _, folding = _engines(
        {"page.html": "{% blocktranslate with name=person %}{{ name }} さん{% endblocktranslate %}"}
    )
    with translation.override("en"):
        template = folding.get_template("page.html")
        folded = next(n for n in _nodes(template) if isinstance(n, FoldedBlockTranslateNode))
        # A translator's slip: a placeholder the source does not have.
        monkeypatch.setattr(folded, "message", "%(nom)s")
        assert template.render(Context({"person": "花子"})) == "花子 さん"


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("STATIC_URL", "/elsewhere/", "/elsewhere/css/portal.css"),
        ("ROOT_URLCONF", "tests.templating_urls", "/moved/home/"),
        ("LOCALE_PATHS", [], "マイページ"),  # the portal's own catalogs gone
    ],
)
def test_changing_what_was_folded_in_forgets_the_folded_copies(setting, value, expected):
    source = "{% static 'css/portal.css' %}|{% url 'members:home' %}|{% translate 'マイページ' %}"
    _, folding = _engines({"page.html": source})
    with translation.override("en"):
        before = folding.get_template("page.html").render(Context())
        with override_settings(**{setting: value}), translation.override("en"):
            after = folding.get_template("page.html").render(Context())
    assert expected not in before.split("|") and expected in after.split("|"), (before, after)


def _without_tokens(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html.decode())


STOCK_TEMPLATES = [
    {
        **settings.TEMPLATES[0],
        "OPTIONS": {
            **settings.TEMPLATES[0]["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_members_pages_are_byte_for_byte_those_of_djangos_loader(
    client, household, member, language
):
    notice = issue(household["insured"])
    client.force_login(member)
    paths = [
        reverse("members:access_log"),  # first: the notice page below records its view
        reverse("members:home"),
        reverse("notices:member_notice", args=[notice.pk]),
        reverse("eligibility:guide"),
    ]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for path in paths:  # each page with both loaders in turn: the same records behind both
        ours = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        with override_settings(TEMPLATES=STOCK_TEMPLATES):
            theirs = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert ours.status_code == theirs.status_code == 200, path
        assert f'<html lang="{language}"' in ours.content.decode()
        assert _without_tokens(ours.content) == _without_tokens(theirs.content), path


def test_the_login_and_staff_pages_are_those_of_djangos_loader(client, clerk, household):
    anonymous = [
        client.get(reverse("account_login")).content,
        client.get(reverse("landing")).content,
    ]
    client.force_login(clerk)
    staff = client.get(reverse("members:staff_search"), {"q": "髙橋"}).content
    with override_settings(TEMPLATES=STOCK_TEMPLATES):
        client.logout()
        expected = [
            client.get(reverse("account_login")).content,
            client.get(reverse("landing")).content,
        ]
        client.force_login(clerk)
        expected_staff = client.get(reverse("members:staff_search"), {"q": "髙橋"}).content
    assert [_without_tokens(page) for page in anonymous] == [_without_tokens(p) for p in expected]
    assert _without_tokens(staff) == _without_tokens(expected_staff)


def test_a_url_that_does_not_reverse_is_left_for_the_branch_that_renders_it():
    source = "{% if show %}{% url 'no-such-page' %}{% endif %}ok"
    stock, folding = _engines({"page.html": source})
    with translation.override("ja"):
        template = folding.get_template("page.html")  # loads, as Django's own does
        assert template.render(Context({"show": False})) == "ok"
        with pytest.raises(NoReverseMatch):
            template.render(Context({"show": True}))
        with pytest.raises(NoReverseMatch):
            stock.get_template("page.html").render(Context({"show": True}))


def test_every_template_djangos_loader_loads_loads_folded_in_every_language():
    """allauth's templates for features switched off link to pages that do not exist: they
    load, as with Django's own loader (one app's template uses a library not installed here:
    neither loader loads it)."""
    from django.template import TemplateSyntaxError, engines

    folding = engines["django"].engine
    stock = Engine(
        dirs=folding.dirs,
        app_dirs=True,
        builtins=folding.builtins,
        libraries=folding.libraries,
        autoescape=True,
    )
    names = {
        str(path.relative_to(directory))
        for loader in folding.template_loaders[0].loaders
        for directory in map(Path, loader.get_dirs())
        if directory.is_dir()
        for path in directory.rglob("*")
        if path.suffix in {".html", ".txt"}
    }
    assert len(names) > 100
    loaded = 0
    for language in LANGUAGES:
        with translation.override(language):
            for name in sorted(names):
                try:
                    stock.get_template(name)
                except TemplateSyntaxError:
                    continue
                folding.get_template(name)
                loaded += 1
    assert loaded > 100 * len(LANGUAGES)
