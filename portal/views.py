from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal import audit, health, languages, services
from portal.forms import AuditFilterForm, InsurerForm
from portal.keys import system as key_checks
from portal.models import Insurer
from portal.pagination import keyset_rows
from portal.responses import private_csv
from portal.roles import STAFF_ROLES, Role, home_url, role_required


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_url(request.user))
    return render(request, "portal/landing.html")


@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch. The public pages may be cached, so their switch carries no
    per-visitor CSRF token: an anonymous choice only sets the cookie. A signed-in account's
    choice is stored, so it must pass the CSRF check."""
    if request.user.is_authenticated:
        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
        if refused is not None:
            return refused
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("landing")
    response = redirect(next_url)
    language = request.POST.get("language", "")
    if language not in languages.CODES:
        messages.error(request, gettext("表示する言語を一覧から選んでください。"))
        return response
    if request.user.is_authenticated:
        languages.remember(request, language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url(request.user))


@login_required
@require_GET
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/no_role.html")


@role_required(*STAFF_ROLES)
def insurer_edit(request: HttpRequest) -> HttpResponse:
    form = InsurerForm(request.POST or None, instance=Insurer.current())
    if request.method == "POST" and form.is_valid():
        services.update_insurer(form, actor=request.user, ip=audit.client_ip(request))
        messages.success(request, "保険者情報を保存しました。")
        return redirect("insurer_edit")
    return render(request, "portal/insurer_form.html", {"form": form})


@role_required(Role.AUDITOR)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = services.filter_audit_events(**filters)
    if request.GET.get("format") == "csv" and form.is_valid():
        audit.record("audit.export", request=request, detail={"filters": _jsonable(filters)})
        # Keyset pages, not iterator(): behind a transaction-mode pooler that reads it all.
        rows = keyset_rows(events, services.AUDIT_ORDER)
        return private_csv(services.audit_csv_rows(rows), "audit-log.csv")
    audit.record("audit.view", request=request, detail={"filters": _jsonable(filters)})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # Only the form's fields, from its data: a refused value was blanked there, and nothing
    # else the address held is echoed into the page's links.
    query = QueryDict(mutable=True)
    for name in form.fields:
        if form.is_bound and form.data.get(name):
            query[name] = form.data[name]
    return render(
        request,
        "portal/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _jsonable(filters: dict) -> dict:
    return {key: str(value) for key, value in filters.items() if value}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    status: dict[str, object] = {
        "database": health.database_answers(),
        "japanese_font": not health.missing_fonts(),
        "harfbuzz_subset": health.has_harfbuzz_subset(),
    }
    # Keys that do not match the stored data (portal.keys): names and kinds only, no secret.
    status["keys"], reasons = key_checks.readiness()
    # The stored PDFs' object store, if there is one: a HEAD of its bucket, seconds at most.
    store_problem = None
    if settings.OBJECT_STORE_BUCKET:
        store_problem = health.object_store_problem()
        status["object_store"] = store_problem is None
    ready = all(status.values())
    if reasons:
        status["key_problems"] = reasons
    if store_problem:
        status["object_store_problem"] = store_problem
    return JsonResponse(status, status=200 if ready else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form kept open too long (or sent from elsewhere) is refused with a
    page that says what happened and leads back; nothing was saved."""
    return render(request, "portal/csrf_failure.html", status=403)
