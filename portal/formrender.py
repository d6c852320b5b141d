"""The form renderer every portal form uses (FORM_RENDERER): its bound fields rewrite Django's
generic messages ("このフィールドは必須です。") into ones that name the field and say what to
do (「氏名を入力してください。」). A message a form chose itself is left as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms import renderers
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.translation import gettext

# Widgets where the member picks rather than types.
_PICKED = (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.FileInput)


def _defaults(field: forms.Field) -> dict[str, str]:
    """Django's own messages for the field's class, before any the form set."""
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return {code: str(message) for code, message in messages.items()}


def _validator_defaults() -> set[str]:
    """Django's validators' own messages (length, e-mail, range, pattern): said without the
    field, so they get its label in front like the field's own generic messages."""
    classes = (
        validators.MaxLengthValidator,
        validators.MinLengthValidator,
        validators.MaxValueValidator,
        validators.MinValueValidator,
        validators.StepValueValidator,
        validators.EmailValidator,
        validators.URLValidator,
        validators.RegexValidator,
        validators.ProhibitNullCharactersValidator,
    )
    return {str(cls.message) for cls in classes}


def required_message(field: forms.Field, label: str) -> str:
    if isinstance(field.widget, forms.CheckboxInput):
        return gettext("%(label)sにチェックを入れてください。") % {"label": label}
    if isinstance(field.widget, _PICKED):
        return gettext("%(label)sを選んでください。") % {"label": label}
    return gettext("%(label)sを入力してください。") % {"label": label}


def explain(field: forms.Field, label: str, error: ValidationError) -> str:
    """The message to show for one error of the field."""
    # Interpolate before str(): a plural message picks its form from the params.
    message = str(error.message % error.params if error.params else error.message)
    default = _defaults(field).get(error.code or "")
    if str(error.message) in _validator_defaults():
        return _labelled(label, message)
    if default is None or str(error.message) != default:
        return message  # the form's own wording, or its own validator's
    if error.code == "required":
        return required_message(field, label)
    return _labelled(label, message)


def _labelled(label: str, message: str) -> str:
    # 「氏名:…」 in Japanese; "Name: …" elsewhere.
    return gettext("%(label)s:%(message)s") % {"label": label, "message": message}


class PortalBoundField(BoundField):
    @property
    def errors(self) -> ErrorList:
        errors = super().errors
        if not errors:
            return errors
        label = str(self.label or self.name)
        rewritten = ErrorList(
            [explain(self.field, label, error) for error in errors.as_data()],
            renderer=errors.renderer,
            field_id=errors.field_id,
        )
        rewritten.error_class = errors.error_class
        return rewritten


class PortalFormRenderer(DjangoTemplates):
    bound_field_class = PortalBoundField

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == _SELECT_TEMPLATE:
            return _select_html(context["widget"])
        if template_name in _INPUT_TEMPLATES:
            return _input_html(context["widget"])
        if template_name in _INPUT_OPTION_TEMPLATES:
            return _input_option_html(context["widget"])
        if template_name in _ERROR_LIST_TEMPLATES and not context["errors"]:
            return ""  # every field renders its (mostly empty) error list
        return super().render(template_name, context, request)


# Django renders each widget through a chain of small templates and includes: a select with
# dozens of employers, a radio per choice, an empty error list per field. Those were half of
# the staff search's and the mismatch queue's time and a third of the guide's. The simplest
# ones are written out here in Python, the same markup byte for byte (tests/test_page_queries.py
# compares them with Django's own renderer); every other template renders as usual.
_WIDGETS = Path(renderers.__file__).parent / "templates" / "django" / "forms" / "widgets"
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_ERROR_LIST_TEMPLATES = frozenset(
    {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
)


def _templates_that_only_include(name: str) -> frozenset[str]:
    # Read from Django itself, so that a widget template Django changes is left to Django.
    wanted = f'{{% include "django/forms/widgets/{name}" %}}'
    return frozenset(
        f"django/forms/widgets/{path.name}"
        for path in _WIDGETS.glob("*.html")
        if path.read_text().strip() == wanted
    )


_INPUT_TEMPLATES = _templates_that_only_include("input.html")
_INPUT_OPTION_TEMPLATES = _templates_that_only_include("input_option.html")


def _text(value: Any) -> str:
    # What {{ value }} prints: localized, escaped unless already safe.
    return str(conditional_escape(localize(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    # django/forms/widgets/attrs.html
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


def _select_html(widget: dict[str, Any]) -> str:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            value = conditional_escape(str(option["value"]))
            out.append(
                f'\n  <option value="{value}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _input_html(widget: dict[str, Any]) -> str:
    # django/forms/widgets/input.html
    value = widget["value"]
    shown = f' value="{conditional_escape(str(value))}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _input_option_html(widget: dict[str, Any]) -> str:
    # django/forms/widgets/input_option.html
    tag = _input_html(widget)
    if not widget.get("wrap_label"):
        return tag
    label_id = widget["attrs"].get("id")
    target = f' for="{_text(label_id)}"' if label_id else ""
    return f"<label{target}>{tag} {_text(widget['label'])}</label>"
