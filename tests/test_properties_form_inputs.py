"""Every form of the portal, fed arbitrary input (the forms and how to make each: FORMS in
tests/test_properties_forms.py): validation never raises, a form never renders a full My
Number back (not in a value=, not in an error message), and a valid form's cleaned text never
holds one."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from allauth.core import context
from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.applications import forms as application_forms
from eligibility.records import forms as record_forms
from notices.batches import forms as batch_forms
from portal import forms as portal_forms
from portal.models import contains_full_number
from portal.roles import Role
from tests.factories import make_employer, make_member
from tests.personas import make_user
from tests.test_properties_forms import BY_DESIGN, FORMS, LOGIN, NEVER_RENDERED, _request
from tests.test_properties_validators import any_text, spelled_numbers

# --- the inputs -------------------------------------------------------------------------------

number_in_text = st.builds(
    lambda before, spelled, after: before + spelled[1] + after,
    st.text(max_size=5),
    spelled_numbers(),
    st.text(max_size=5),
)


def _choices(field: forms.Field) -> list[str]:
    values = []
    for key, label in field.choices:
        if isinstance(label, list | tuple):  # an optgroup
            values += [str(getattr(k, "value", k)) for k, _ in label]
        else:
            values.append(str(getattr(key, "value", key)))
    return values


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    try:
        return SimpleUploadedFile(name, content)
    except SuspiciousFileOperation:  # "", ".", "..": no browser sends such a name
        return SimpleUploadedFile("upload.csv", content)


def _value_strategy(field: forms.Field, good: list[str]) -> st.SearchStrategy:
    wild = any_text | number_in_text
    if isinstance(field, forms.FileField):
        return st.builds(
            _upload,
            any_text | number_in_text.map(lambda text: text + ".csv"),
            st.binary(max_size=200),
        )
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from(_choices(field)) | wild, max_size=3)
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return st.sampled_from(_choices(field)) | wild
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["", "on", "1", "false"]) | wild
    return (st.sampled_from(good) if good else st.just("")) | wild


def _good_strategy(field: forms.Field, good: list[str]) -> st.SearchStrategy:
    if good:
        return st.sampled_from(good)
    if isinstance(field, forms.FileField):
        return st.just(SimpleUploadedFile("members.csv", b"a,b\r\n1,2\r\n"))
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from(_choices(field)), min_size=1, max_size=1, unique=True)
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return st.sampled_from([c for c in _choices(field) if c] or [""])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["", "on"])
    return st.just("")


@st.composite
def submissions(draw, fields: dict[str, forms.Field], good: dict[str, list[str]]):
    """A POST as a browser (or anyone) may send it: most fields as a person fills them in,
    some wild, some missing; the fields that are not the form's own (like `editing`) too."""
    names = sorted(set(fields) | set(good))
    wild = set(draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True)))
    if draw(st.booleans()):
        wild = set(list(wild)[:1])
    data, files = QueryDict(mutable=True), {}
    for name in names:
        field = fields.get(name, forms.CharField())
        strategy = _value_strategy if name in wild else _good_strategy
        value = draw(strategy(field, good.get(name, [])))
        if name in wild and draw(st.integers(0, 9)) == 0:
            continue  # left out
        if isinstance(value, SimpleUploadedFile):
            files[name] = value
        elif isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data, files


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return []


def browser_lines(text: str) -> list[str]:
    """Lines as a textarea shows them: U+0085, U+2028 and the like are no line breaks there."""
    return re.split(r"\r\n|\r|\n", text)


def assert_never_rendered_back(form: forms.BaseForm) -> None:
    """Neither a field (its value=, its textarea, its errors) nor the form's own errors show
    a full number. A field that checks line by line (full_number_exempt, with a visible
    widget) may hold a list whose lines only together make twelve digits."""
    exempt = getattr(form, "full_number_exempt", ())
    for bound in form:
        html = str(bound.as_field_group())
        by_line = bound.name in exempt and not isinstance(bound.field.widget, forms.PasswordInput)
        for text in browser_lines(html) if by_line else [html]:
            assert not contains_full_number(text), html
    errors = form.errors.as_text() + "".join(map(str, form.non_field_errors()))
    assert not contains_full_number(errors), errors


FORM_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", list(FORMS), ids=lambda cls: cls.__name__)
def test_no_input_breaks_a_form_or_comes_back_as_a_full_number(form_class):
    employer = make_employer()
    factory, good = FORMS[form_class]
    if form_class is application_forms.ApplicationForm:
        person = make_member(employer, bango="15")

        def factory(data, files):
            return application_forms.ApplicationForm(data, files, eligible=[person])

    if form_class is portal_forms.AddEmailForm:
        user = make_user(LOGIN[0], Role.MEMBER)

        def factory(data, files):
            return portal_forms.AddEmailForm(user=user, data=data)

    elif form_class is portal_forms.LoginForm:
        make_user(LOGIN[0], Role.MEMBER)
    fields = factory(None, None).fields
    if form_class is record_forms.CertificateForm:
        fields = {**fields, **factory(QueryDict("editing=1"), None).fields}
    seen: Counter[str] = Counter()

    @FORM_SETTINGS
    @given(submissions(fields, good))
    def check(submission):
        data, files = submission
        form = factory(data, files)
        with context.request_context(_request()):  # as allauth's middleware sets it
            valid = form.is_valid()
        if form_class not in NEVER_RENDERED:
            assert_never_rendered_back(form)
        names = [upload.name for upload in files.values()]
        typed = any(map(contains_full_number, _strings(dict(data.lists())) + names))
        seen["typed a number"] += typed
        if valid:
            seen["valid"] += 1
            exempt = getattr(form, "full_number_exempt", ())
            for name, value in form.cleaned_data.items():
                texts = _strings(value)
                if name in exempt:  # checked line by line (or by design a number)
                    texts = [line for text in texts for line in browser_lines(text)]
                if (form_class, name) not in BY_DESIGN:
                    assert not any(map(contains_full_number, texts)), name

    check()
    assert seen["typed a number"], "no example held a full number"
    assert seen["valid"], "no example made a valid form"


@pytest.mark.django_db
@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\x1c", "\v"])
def test_a_batch_list_line_is_a_line_as_the_browser_shows_it(separator):
    # Found by the property above: str.splitlines() broke "00000000000<U+0085>0" into two
    # harmless lines, though a textarea shows twelve digits on one.
    data = QueryDict(mutable=True)
    data.update({"reason": "initial", "as_of": "2024-09-30", "scope": "enrolled"})
    line = f"00000000000{separator}0"
    data["members"] = f"1201-1-00\n{line}"
    form = batch_forms.BatchForm(data)
    assert form.is_valid()
    assert form.cleaned_data["members"] == "1201-1-00\n" + "*" * len(line)
    assert_never_rendered_back(form)
