"""The insurer's own data: shown everywhere, edited by staff, every change audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.dev.demo import DEMO_INSURER
from portal.models import AuditEvent, Insurer


def _form(**changes):
    return {**DEMO_INSURER, **changes}


def test_header_and_footer_show_the_insurer(client, insurer):
    page = client.get("/").content.decode()
    assert insurer.name in page
    assert insurer.portal_name in page
    assert "03-5213-4467" in page  # helpdesk, from the letter
    assert "03-3443-4256" in page  # 業務課, from the letter


@pytest.mark.parametrize("persona", ["clerk", "supervisor"])
def test_staff_edit_the_insurer_and_the_change_is_audited(client, request, insurer, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(reverse("insurer_edit")).status_code == 200
    response = client.post(reverse("insurer_edit"), _form(helpdesk_phone="03-1111-2222"))
    assert response.status_code == 302
    assert Insurer.current().helpdesk_phone == "03-1111-2222"
    event = AuditEvent.objects.get(action="insurer.update")
    assert event.actor == user
    assert event.detail == {"changes": {"helpdesk_phone": ["03-5213-4467", "03-1111-2222"]}}
    assert "03-1111-2222" in client.get("/staff/").content.decode()


def test_saving_without_changes_writes_no_event(client, insurer, clerk):
    client.force_login(clerk)
    client.post(reverse("insurer_edit"), _form())
    assert not AuditEvent.objects.filter(action="insurer.update").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("insurer_number", "06139993", "検証番号"),
        ("insurer_number", "0613999", "検証番号"),
        ("insurer_number", "01139997", "法別番号 06"),
        ("business_phone", "0333", "03-1234-5678"),
        ("postal_code", "1080074", "123-4567"),
        ("name", "", "保険者名称を入力してください。"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(
    client, insurer, clerk, field, value, message
):
    client.force_login(clerk)
    response = client.post(reverse("insurer_edit"), _form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    insurer.refresh_from_db()
    assert getattr(insurer, field) == DEMO_INSURER[field]
    assert not AuditEvent.objects.filter(action="insurer.update").exists()


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
def test_others_cannot_edit_the_insurer(client, request, insurer, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("insurer_edit")).status_code == 403
    response = client.post(reverse("insurer_edit"), _form(name="乗っ取り"))
    assert response.status_code == 403
    assert Insurer.current().name == DEMO_INSURER["name"]
