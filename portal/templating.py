"""The template loader: Django's cached loader, with one copy of each template per language in
which what cannot change between requests is worked out once.

A page in four languages marks most of its text with {% translate %} and {% blocktranslate %},
and links to fixed addresses with {% url %} and {% static %}. Django redoes each of them on every
render (a catalog lookup, a reverse(), a manifest lookup): about a third of a member page's
render time. A copy made for one language can hold their results instead:

- {% translate "literal" %}, {% url 'name' %} and {% static 'path' %}, without `as` or filters,
  become the text they render;
- {% blocktranslate %} without a count, a context or `as` keeps only its variables' formatting:
  the message is looked up once.

Nothing under {% language %} (another language) or {% autoescape %} is touched, and a folded
node renders exactly what Django's own node would (tests/test_templating.py compares them).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, MutableSequence
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Template
from django.template.base import Node, TextNode, Variable, render_value_in_context
from django.template.defaulttags import AutoEscapeControlNode, IfNode, URLNode
from django.template.loaders import cached
from django.templatetags.i18n import BlockTranslateNode, LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix
from django.utils import translation

_loaders: weakref.WeakSet[Loader] = weakref.WeakSet()

# What a folded result depends on besides the language and the script prefix (in the key).
_FOLDED_FROM = {
    "FORCE_SCRIPT_NAME",
    "INSTALLED_APPS",
    "LANGUAGE_CODE",
    "LANGUAGES",
    "LOCALE_PATHS",
    "ROOT_URLCONF",
    "STATIC_URL",
    "STORAGES",
    "USE_I18N",
}


class Loader(cached.Loader):
    def __init__(self, engine: Any, loaders: Any) -> None:
        super().__init__(engine, loaders)
        _loaders.add(self)

    def cache_key(self, template_name: str, skip: Any = None) -> str:
        language = translation.get_language() or ""
        return f"{language}|{get_script_prefix()}|{super().cache_key(template_name, skip)}"

    def get_template(self, template_name: str, skip: Any = None) -> Template:
        made = self.cache_key(template_name, skip) not in self.get_template_cache
        template = super().get_template(template_name, skip)
        if made:
            fold(template)
        return template


@receiver(setting_changed)
def _forget_folded(*, setting: str, **kwargs: Any) -> None:
    # Tests change these; a deployment never does while it runs.
    if setting in _FOLDED_FROM:
        for loader in list(_loaders):
            loader.reset()


def fold(template: Template) -> None:
    """Replace, in the active language, every node whose output is fixed."""
    context = Context(autoescape=template.engine.autoescape)
    context.template = template
    _fold_list(template.nodelist, context)


def _fold_list(nodes: MutableSequence[Node], context: Context) -> None:
    for index, node in enumerate(nodes):
        folded = _folded(node, context)
        if folded is not None:
            nodes[index] = folded
        elif not isinstance(node, LanguageNode | AutoEscapeControlNode):
            for child in _children(node):
                _fold_list(child, context)


def _children(node: Node) -> Iterable[MutableSequence[Node]]:
    if isinstance(node, IfNode):  # its `nodelist` is a copy; the branches are the real ones
        return [branch for _, branch in node.conditions_nodelists]
    return [
        child
        for name in node.child_nodelists
        if isinstance(child := getattr(node, name, None), list)
    ]


def _folded(node: Node, context: Context) -> Node | None:
    if type(node) is TranslateNode:
        expression = node.filter_expression
        var = expression.var
        if (
            node.asvar is None
            and node.message_context is None
            and not expression.filters
            and isinstance(var, Variable)
            and isinstance(var.literal, str)
        ):
            return TextNode(node.render(context))
    elif type(node) is URLNode:
        if not node.args and not node.kwargs and node.asvar is None and _constant(node.view_name):
            try:
                return TextNode(node.render(context))
            except NoReverseMatch:  # e.g. allauth's pages of features switched off: Django
                return None  # fails only if such a branch renders, and so must this
    elif type(node) is StaticNode:
        if node.varname is None and _constant(node.path):
            return TextNode(node.render(context))
    elif type(node) is BlockTranslateNode and (
        not node.plural
        and node.countervar is None
        and node.message_context is None
        and node.asvar is None
    ):
        return FoldedBlockTranslateNode(node)
    return None


def _constant(expression: Any) -> bool:
    return isinstance(expression.var, str) and not expression.filters


class FoldedBlockTranslateNode(BlockTranslateNode):
    """A {% blocktranslate %} whose message was looked up when the template was loaded: each
    render only formats its variables, as BlockTranslateNode.render does."""

    def __init__(self, node: BlockTranslateNode) -> None:
        self.__dict__.update(node.__dict__)
        singular, self.variables = node.render_token_list(node.singular)
        self.message = translation.gettext(singular)

    def render(self, context: Context, nested: bool = False) -> str:
        if nested:
            return super().render(context, nested=True)
        context.update({var: val.resolve(context) for var, val in self.extra_context.items()})
        default = context.template.engine.string_if_invalid
        data = {}
        for key in self.variables:
            if key in context:
                value = context[key]
            else:
                value = default % key if "%s" in default else default
            data[key] = render_value_in_context(value, context)
        context.pop()
        try:
            return self.message % data
        except (KeyError, ValueError):  # a broken translation: Django's own fallback
            with translation.override(None):
                return super().render(context, nested=True)
