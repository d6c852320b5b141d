from __future__ import annotations

from django.http import HttpRequest

from portal.models import Insurer
from portal.roles import ROLE_LABELS, primary_role


def portal(request: HttpRequest) -> dict[str, object]:
    role = primary_role(getattr(request, "user", None))
    return {
        "insurer": Insurer.for_pages(),  # a per-process copy: no query per page
        "current_role": role,
        "current_role_label": ROLE_LABELS.get(role, "") if role else "",
    }
