"""`{{ text|masked }}`: free text shown with anything shaped like a full My Number as asterisks
(names and addresses imported before free text refused twelve digits may still hold one)."""

from __future__ import annotations

from django import template

from portal.models import mask_full_numbers

register = template.Library()


@register.filter
def masked(value: object) -> str:
    return mask_full_numbers("" if value is None else str(value))
