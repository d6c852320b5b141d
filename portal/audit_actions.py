"""The audit actions the portal writes, with the label auditors read.

Each app declares its actions in one dict in its apps.py and registers them in ready(); nothing
registers at import time. This module imports nothing of the portal's, so that portal.models
(the label of a stored event) and portal.audit (which imports the models) can both read it.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

ACTION_LABELS: dict[str, str] = {}


def register_actions(actions: dict[str, str]) -> None:
    """Add an app's actions. Registering the same action again with the same label is harmless
    (ready() may run twice in tests); a second, different label is a mistake."""
    for action, label in actions.items():
        known = ACTION_LABELS.get(action)
        if known is not None and known != label:
            raise ImproperlyConfigured(
                f"audit action {action!r} is registered as {known!r} and {label!r}"
            )
    ACTION_LABELS.update(actions)


def label(action: str) -> str:
    """What auditors read for a stored action; an action no longer registered shows as is."""
    return ACTION_LABELS.get(action, action)
