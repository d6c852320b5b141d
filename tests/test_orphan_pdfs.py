"""Stored PDFs without a record (a rolled-back issue leaves one) are found and removed."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from notices import services
from notices.models import Notice
from portal.models import AuditEvent
from tests.factories import make_member


def _age(name: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(default_storage.path(name), (then, then))


@pytest.fixture
def stored(insurer):
    notice = services.issue_notice(
        make_member(bango="7", acquired_on=date(2010, 4, 1)), "initial", now=timezone.now()
    )
    old = default_storage.save("notices/2024/10/left-behind.pdf", ContentFile(b"%PDF-1.7"))
    fresh = default_storage.save("certificates/2024/10/in-flight.pdf", ContentFile(b"%PDF-1.7"))
    _age(old, 5)
    _age(notice.pdf.name, 5)
    return {"notice": notice, "old": old, "fresh": fresh}


def test_old_orphans_go_records_files_and_young_files_stay(stored, capsys):
    call_command("remove_orphan_pdfs")
    assert not default_storage.exists(stored["old"])
    assert default_storage.exists(stored["fresh"])  # may be a transaction still open
    assert default_storage.exists(stored["notice"].pdf.name)
    out = capsys.readouterr().out
    assert "1件削除しました" in out and "残したファイル: 1件" in out
    event = AuditEvent.objects.get(action="storage.orphans_removed")
    assert event.detail == {"count": 1, "files": [stored["old"]]}


def test_a_dry_run_lists_and_removes_nothing(stored, capsys):
    call_command("remove_orphan_pdfs", "--dry-run")
    assert default_storage.exists(stored["old"])
    assert stored["old"] in capsys.readouterr().out
    assert not AuditEvent.objects.filter(action="storage.orphans_removed").exists()


def test_a_grace_below_one_minute_is_refused(stored, capsys):
    with pytest.raises(SystemExit):
        call_command("remove_orphan_pdfs", "--grace-minutes", "0")
    assert "1以上" in capsys.readouterr().err
    assert default_storage.exists(stored["old"]) and default_storage.exists(stored["fresh"])


def test_the_file_of_a_rolled_back_issue_is_removed(insurer, monkeypatch):
    person = make_member(bango="8", acquired_on=date(2010, 4, 1))

    def refuse(*args, **kwargs):
        raise RuntimeError("the database went away after the file was written")

    monkeypatch.setattr(services.audit, "write", refuse)
    with pytest.raises(RuntimeError):
        services.issue_notice(person, "initial", now=timezone.now())
    assert not Notice.objects.filter(member=person).exists()
    _, left = default_storage.listdir(f"notices/{timezone.localdate():%Y/%m}")
    assert len(left) == 1
    name = f"notices/{timezone.localdate():%Y/%m}/{left[0]}"
    _age(name, 2)
    monkeypatch.undo()
    call_command("remove_orphan_pdfs")
    assert not default_storage.exists(name)
