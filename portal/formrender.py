"""The form renderer every portal form uses (FORM_RENDERER): its bound fields rewrite Django's
generic messages ("このフィールドは必須です。") into ones that name the field and say what to
do (「氏名を入力してください。」). A message a form chose itself is left as it is."""

from __future__ import annotations

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList

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
        return f"{label}にチェックを入れてください。"
    if isinstance(field.widget, _PICKED):
        return f"{label}を選んでください。"
    return f"{label}を入力してください。"


def explain(field: forms.Field, label: str, error: ValidationError) -> str:
    """The message to show for one error of the field."""
    # Interpolate before str(): a plural message picks its form from the params.
    message = str(error.message % error.params if error.params else error.message)
    default = _defaults(field).get(error.code or "")
    if str(error.message) in _validator_defaults():
        return f"{label}:{message}"
    if default is None or str(error.message) != default:
        return message  # the form's own wording, or its own validator's
    if error.code == "required":
        return required_message(field, label)
    return f"{label}:{message}"


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
