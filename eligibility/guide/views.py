"""The public guide: the letter's flowchart, answered without logging in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from eligibility.guide import rules as guide_rules
from eligibility.guide.forms import GuideForm


@require_http_methods(["GET", "HEAD"])
def guide(request: HttpRequest) -> HttpResponse:
    """The letter's flowchart as a GET form: works without JavaScript, needs no login."""
    today = timezone.localdate()
    form = GuideForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = guide_rules.answer(data["card"], data["registered"], data["smartphone"], today)
    context = {
        "form": form,
        "result": result,
        "today": today,
        "legacy_note": guide_rules.legacy_card_note(today),
    }
    return render(request, "eligibility/guide/guide.html", context)
