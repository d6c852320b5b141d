"""The guide's invalid answers go through the portal's shared error summary, each message
naming its question and linking to it; the TOTP re-authentication page says what the code is
for (as the password one does)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.test_guards import _check_page

GUIDE = reverse("eligibility:guide")


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


@pytest.mark.parametrize(
    ("answers", "anchor", "question"),
    [
        pytest.param({"card": "maybe"}, "#id_card_0", "1問目", id="1問目"),
        pytest.param(
            {"card": "yes", "registered": "perhaps"}, "#id_registered_0", "2問目", id="2問目"
        ),
        pytest.param(
            {"card": "yes", "registered": "yes", "smartphone": "x"},
            "#id_smartphone_0",
            "3問目",
            id="3問目",
        ),
    ],
)
def test_an_invalid_answer_gets_the_shared_error_summary(
    client, insurer, answers, anchor, question
):
    response = client.get(GUIDE, {"asked": "1", **answers})
    assert response.status_code == 200
    _check_page(response, GUIDE)
    html = response.content.decode()
    summary = _summary(html)
    assert "入力内容をご確認ください" in summary and 'role="alert"' in summary
    link = re.search(r'<a href="([^"]+)">([^<]+)</a>', summary)
    assert link and link.group(1) == anchor and anchor[1:] in html.split(summary)[1]
    assert question in link.group(2) and "選んでください" in link.group(2)
    # Django's default names the submitted value; this one names the question instead.
    assert "候補にありません" not in html and answers[list(answers)[-1]] not in link.group(2)
    # The summary sits in the questions' form, above them; no result, no second error block.
    assert html.index(summary) < html.index('id="id_card_0"')
    assert 'id="result-title"' not in html and "回答を読み取れませんでした" not in html


def test_valid_answers_show_no_error_summary(client, insurer):
    html = client.get(GUIDE, {"asked": "1", "card": "no"}).content.decode()
    assert "error-summary" not in html and 'id="result-title"' in html


def test_the_totp_reauthentication_page_says_what_the_code_is_for(client, supervisor):
    client.force_login(supervisor)
    url = reverse("mfa_reauthenticate")
    response = client.get(url)
    assert response.status_code == 200
    _check_page(response, url)
    html = response.content.decode()
    assert 'class="reauth-purpose"' in html
    assert "重要な操作の前に" in html and "6桁の確認コード" in html and "認証アプリ" in html
    # Sent here from an approval, it says the approval waits on the confirmation.
    html = client.get(url, {"next": "/staff/mismatch/1/"}).content.decode()
    assert "マイナンバー訂正の承認画面に戻ります" in html
    assert "承認画面に戻ります" not in client.get(url).content.decode()
