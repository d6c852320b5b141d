"""Input for starting a batch: the staff form, and the list of 記号-番号-枝番 lines.

`parse_member_lines` is pure (no database): the roster's own validators normalise each part,
so full-width digits and hyphen look-alikes are accepted as they are in the roster.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.db.models import Q

from members.dates import parse_roster_date
from members.models import Employer, Member
from members.validators import RosterValueError, parse_bango, parse_edaban, parse_kigo
from notices.batches.rules import TargetError, elderly_birth_range
from notices.models import Notice, NoticeBatch
from portal.models import contains_full_number, mask_full_numbers
from portal.validators import FULL_NUMBER_MESSAGE, RefusesFullNumbers

MAX_LINES = 5000
_SEPARATORS = re.compile(r"\s*[-‐‑‒–—―−﹣－・/]\s*|\s+")

MemberKey = tuple[str, str, str]
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        # The line itself is not repeated: it could be anything pasted, a My Number included.
        return f"{self.line}行目: {self.message}"


def parse_member_lines(text: str) -> tuple[list[MemberKey], list[LineError]]:
    """記号-番号-枝番, one per line (blank lines skipped, duplicates dropped), or the errors."""
    keys: list[MemberKey] = []
    errors: list[LineError] = []
    seen: set[MemberKey] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line:
            continue
        parts = _SEPARATORS.split(line)
        if len(parts) != 3:
            errors.append(LineError(number, "「記号-番号-枝番」の形で入力してください。"))
            continue
        try:
            key = (parse_kigo(parts[0]), parse_bango(parts[1]), parse_edaban(parts[2]))
        except RosterValueError as error:
            errors.append(LineError(number, error.message))
            continue
        if key not in seen:
            seen.add(key)
            keys.append(key)
    return keys, errors


def find_members(keys: list[MemberKey]) -> tuple[list[Member], list[MemberKey]]:
    """The members with these keys, and the keys nobody has."""
    if not keys:
        return [], []
    query = Q()
    for kigo, bango, edaban in keys:
        query |= Q(kigo=kigo, bango=bango, edaban=edaban)
    found = {(m.kigo, m.bango, m.edaban): m for m in Member.objects.filter(query)}
    return [found[key] for key in keys if key in found], [key for key in keys if key not in found]


class BatchForm(RefusesFullNumbers, forms.Form):
    # The list is checked line by line below: "1201-1-00" over two lines is not a number.
    full_number_exempt = ("members",)
    reason = forms.ChoiceField(
        label="交付理由",
        choices=Notice.Reason.choices,
        initial=Notice.Reason.INITIAL,
        help_text="70歳到達: 基準日に発効期日(月の初日)を指定すると、その日から70歳から74歳の"
        "負担割合が適用される方が対象です(誕生月のうちに開始してください)。"
        "負担割合の年次更新: 基準日に8月1日を指定すると、その日に70歳から74歳の方全員が対象です"
        "(新しい負担割合を取り込んでから開始してください)。",
    )
    as_of = forms.CharField(
        label="基準日",
        max_length=30,
        help_text="この日に資格のある加入者が対象です(例: 2024-09-30、令和6年9月30日)。",
    )
    scope = forms.ChoiceField(
        label="対象",
        choices=NoticeBatch.Scope.choices,
        initial=NoticeBatch.Scope.ENROLLED,
        widget=forms.RadioSelect,
    )
    employer = forms.ModelChoiceField(
        label="事業所(対象が「事業所の加入者」のとき)",
        queryset=Employer.objects.order_by("kigo"),
        required=False,
        empty_label="選んでください",
    )
    members = forms.CharField(
        label="加入者の一覧(対象が「指定した加入者」のとき)",
        required=False,
        max_length=200_000,
        help_text="1行に1人、記号-番号-枝番(例: 1201-15-00)。",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("as_of", settings.NOTICE_CUTOFF_DATE.isoformat())
        self.member_list: list[Member] = []

    def full_clean(self) -> None:
        # Nothing shaped like a full My Number is cleaned or rendered back: 基準日 is refused,
        # and each pasted line holding one is masked (its line then fails as malformed).
        refused = False
        if self.is_bound:
            data = self.data.copy()
            refused = contains_full_number(str(data.get(self.add_prefix("as_of"), "")))
            if refused:
                data[self.add_prefix("as_of")] = ""
            # Split where a browser breaks lines, not str.splitlines(): U+0085 and friends show
            # no break in a textarea, so "00000000000<U+0085>0" is twelve digits on one line.
            lines = _LINE_BREAKS.split(str(data.get(self.add_prefix("members"), "")))
            if any(contains_full_number(line) for line in lines):
                data[self.add_prefix("members")] = "\n".join(map(mask_full_numbers, lines))
            self.data = data
        super().full_clean()
        if refused:
            self._errors.pop("as_of", None)
            self.add_error("as_of", FULL_NUMBER_MESSAGE)

    def clean_as_of(self) -> date:
        try:
            return parse_roster_date(self.cleaned_data["as_of"])
        except RosterValueError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self) -> dict:
        data = super().clean()
        scope = data.get("scope")
        if scope == NoticeBatch.Scope.EMPLOYER and not data.get("employer"):
            self.add_error("employer", "事業所を選んでください。")
        if scope == NoticeBatch.Scope.MEMBERS:
            self._clean_member_list(data.get("members") or "")
        elif data.get("reason") in Notice.ELDERLY_REASONS and data.get("as_of"):
            try:
                elderly_birth_range(data["reason"], data["as_of"])
            except TargetError as error:
                self.add_error("as_of", str(error))
        return data

    def _clean_member_list(self, text: str) -> None:
        if len(text.splitlines()) > MAX_LINES:
            self.add_error("members", f"一度に指定できるのは{MAX_LINES:,}行までです。")
            return
        keys, errors = parse_member_lines(text)
        if not keys and not errors:
            self.add_error("members", "加入者を1行に1人ずつ入力してください。")
            return
        members, unknown = find_members(keys)
        messages = [str(error) for error in errors] + [
            # Joined by ・ like Member.__str__: 記号-番号 can be twelve digits in a row.
            f"{kigo}・{bango}・{edaban}: 該当する加入者がいません。"
            for kigo, bango, edaban in unknown
        ]
        if messages:
            shown = messages[:20]
            if len(messages) > len(shown):
                shown.append(f"ほか{len(messages) - len(shown)}件")
            self.add_error("members", shown)
            return
        self.member_list = members
