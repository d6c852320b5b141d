"""Every form of the portal and how to make one (FORMS): the property tests of
tests/test_properties_form_inputs.py feed each arbitrary input.

The forms are found by walking the four packages; a new form fails
`test_every_form_is_covered` until it is added to FORMS (or, for a mixin, to ABSTRACT).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import QueryDict
from django.test import RequestFactory

from eligibility.applications import forms as application_forms
from eligibility.certificates import forms as certificate_forms
from eligibility.employers import forms as employer_forms
from eligibility.followup import forms as followup_forms
from eligibility.guide import forms as guide_forms
from eligibility.records import forms as record_forms
from members import forms as member_forms
from members.linking import forms as linking_forms
from members.roster import views as roster_views
from notices.batches import forms as batch_forms
from notices.mismatch import forms as mismatch_forms
from portal import forms as portal_forms
from portal import validators as portal_validators
from portal.checkdigits import insurer_number_check_digit
from tests.factories import valid_my_number
from tests.personas import PASSWORD

PACKAGES = ("portal", "members", "eligibility", "notices")
NOT_IMPORTED = {"portal.wsgi", "portal.asgi", "portal.gunicorn", "portal.settings"}
NUMBER = valid_my_number(24681357913)
INSURER_NUMBER = "0613999" + str(insurer_number_check_digit("0613999"))

Factory = Callable[[QueryDict, dict[str, Any]], forms.BaseForm]


def _plain(form_class) -> Factory:
    return lambda data, files: form_class(data, files)


def _request():
    """A request as allauth's forms expect one (they rate-limit by it and read its session)."""
    request = RequestFactory().post("/accounts/login/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


LOGIN = ("login@example.jp", PASSWORD)


FORMS: dict[type, tuple[Factory, dict[str, list[str]]]] = {
    portal_forms.InsurerForm: (
        _plain(portal_forms.InsurerForm),
        {
            "insurer_number": [INSURER_NUMBER],
            "name": ["テスト健康保険組合"],
            "postal_code": ["108-0074"],
            "address": ["東京都港区高輪1-1-1"],
            "business_phone": ["03-1234-5678"],
            "helpdesk_phone": ["0120-123-456"],
            "helpdesk_hours": ["平日 9:00-17:00", ""],
            "portal_name": ["MY HEALTH WEB"],
        },
    ),
    portal_forms.LoginForm: (
        lambda data, files: portal_forms.LoginForm(data, request=_request()),
        {"login": [LOGIN[0]], "password": [LOGIN[1]]},
    ),
    portal_forms.SignupForm: (
        _plain(portal_forms.SignupForm),
        {"email": ["new.member@example.jp"], "password1": [LOGIN[1]], "password2": [LOGIN[1]]},
    ),
    portal_forms.ResetPasswordForm: (
        _plain(portal_forms.ResetPasswordForm),
        {"email": [LOGIN[0], "nobody@example.jp"]},
    ),
    portal_forms.AddEmailForm: (
        None,  # type: ignore[dict-item]  # for the signed-in user: made in the test
        {"email": ["second@example.jp"]},
    ),
    portal_forms.AuditFilterForm: (
        _plain(portal_forms.AuditFilterForm),
        {
            "actor": ["clerk@kenpo.example.jp", ""],
            "target": ["", "42"],
            "date_from": ["2024-01-01", ""],
            "date_to": ["2024-12-31", ""],
        },
    ),
    roster_views.RosterUploadForm: (_plain(roster_views.RosterUploadForm), {}),
    linking_forms.LinkForm: (
        _plain(linking_forms.LinkForm),
        {
            "kigo": ["1201"],
            "bango": ["15"],
            "birth_date": ["1980-06-15", "昭和55年6月15日"],
            "code": ["ABCD-EFGH-JKMN"],
        },
    ),
    linking_forms.MailingListForm: (_plain(linking_forms.MailingListForm), {}),
    linking_forms.UnlinkForm: (
        _plain(linking_forms.UnlinkForm),
        {"reason": ["ご家族が誤って連携したため", "  "]},
    ),
    member_forms.MemberSearchForm: (
        lambda data, files: member_forms.MemberSearchForm(data),
        {"q": ["山田", "1201-15", ""], "birth_date": ["1985-04-01", ""]},
    ),
    member_forms.CopayMissingForm: (
        lambda data, files: member_forms.CopayMissingForm(data),
        {"day": ["", "2026-08-01"]},
    ),
    certificate_forms.ExOfficioForm: (
        _plain(certificate_forms.ExOfficioForm),
        {"as_of": ["2025-12-02", "R7.12.2"]},
    ),
    certificate_forms.RenewalForm: (_plain(certificate_forms.RenewalForm), {"days": ["30", ""]}),
    certificate_forms.RenewalSelectionForm: (
        _plain(certificate_forms.RenewalSelectionForm),
        {"certificate": ["1", "42", ""]},
    ),
    employer_forms.InviteForm: (
        _plain(employer_forms.InviteForm),
        {"email": ["hr@buhin.example.jp"]},
    ),
    employer_forms.EmployerUserFilterForm: (_plain(employer_forms.EmployerUserFilterForm), {}),
    record_forms.RegistrationForm: (
        lambda data, files: record_forms.RegistrationForm(data, today=date(2026, 1, 5)),
        {
            "registered_on": ["2023-01-10", ""],
            "cancellation_applied_on": [""],
            "card_certificate_expires_on": ["", "2030-01-01"],
        },
    ),
    record_forms.LegacyCardForm: (
        _plain(record_forms.LegacyCardForm),
        {"issued_on": ["2020-04-01"], "expires_on": ["", "2025-12-01"]},
    ),
    record_forms.CertificateForm: (
        lambda data, files: record_forms.CertificateForm(
            data, editing=bool(data and data.get("editing"))
        ),
        {
            "issued_on": ["2025-12-02"],
            "valid_from": ["2025-12-02"],
            "valid_to": ["2030-11-30", ""],
            "returned_on": [""],
            "revoked_on": [""],
            "editing": ["", "1"],
        },
    ),
    record_forms.SmartphoneForm: (_plain(record_forms.SmartphoneForm), {}),
    followup_forms.NoDocumentFilterForm: (
        _plain(followup_forms.NoDocumentFilterForm),
        {"day": ["", "2026-01-05"]},
    ),
    guide_forms.GuideForm: (_plain(guide_forms.GuideForm), {}),
    application_forms.PeopleSearchForm: (
        lambda data, files: application_forms.PeopleSearchForm(data),
        {"q": ["山田", ""]},
    ),
    application_forms.ApplicationForm: (
        # `eligible` is filled in by the test with a real member.
        None,  # type: ignore[dict-item]
        {"reason_detail": ["", "出生直後のため"]},
    ),
    application_forms.UploadForm: (_plain(application_forms.UploadForm), {}),
    application_forms.ReturnForm: (
        _plain(application_forms.ReturnForm),
        {"return_reason": ["生年月日の記載を確認してください。"]},
    ),
    mismatch_forms.VersionForm: (_plain(mismatch_forms.VersionForm), {"version": ["1", "7"]}),
    mismatch_forms.MismatchReportForm: (
        _plain(mismatch_forms.MismatchReportForm),
        {
            "card_last4": ["1234", "１２３４"],
            "contact": ["090-1234-5678", "taro@example.jp"],
            "comment": ["", "よろしくお願いします"],
        },
    ),
    mismatch_forms.CheckForm: (
        lambda data, files: mismatch_forms.CheckForm(data, case=None),
        {"version": ["1"]},
    ),
    mismatch_forms.ReasonForm: (
        _plain(mismatch_forms.ReasonForm),
        {"version": ["1"], "reason": ["住基と照合済み"]},
    ),
    mismatch_forms.CloseForm: (
        _plain(mismatch_forms.CloseForm),
        {"version": ["1"], "reason": ["住基と照合済み"]},
    ),
    mismatch_forms.RejectForm: (
        _plain(mismatch_forms.RejectForm),
        {"version": ["1"], "reason": ["照合記録が不十分"]},
    ),
    mismatch_forms.ProposeForm: (
        _plain(mismatch_forms.ProposeForm),
        {"version": ["1"], "number": [NUMBER], "number_confirm": [NUMBER]},
    ),
    mismatch_forms.QueueFilterForm: (_plain(mismatch_forms.QueueFilterForm), {}),
    batch_forms.BatchForm: (
        _plain(batch_forms.BatchForm),
        {"as_of": ["2024-09-30", "令和6年9月30日"], "members": ["", "1201-15-00"]},
    ),
}

# Mixins with no fields of their own, never instantiated by a view.
ABSTRACT = {portal_validators.RefusesFullNumbers, mismatch_forms.RefusesFullNumbers}

# Forms no view renders (ids ticked on a list): a twelve-digit id is an id, shown nowhere.
NEVER_RENDERED = {certificate_forms.RenewalSelectionForm}

# Cleaned values that are a full number by design: the correction form's whole purpose.
BY_DESIGN = {(mismatch_forms.ProposeForm, "parsed_number")}


def _project_forms() -> set[type]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            parts = set(info.name.split("."))
            if not parts & {"migrations", "dev", "management"} and info.name not in NOT_IMPORTED:
                importlib.import_module(info.name)
    found: set[type] = set()
    stack = [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in PACKAGES:
                found.add(sub)
    return found


def test_every_form_is_covered():
    assert _project_forms() == set(FORMS) | ABSTRACT
