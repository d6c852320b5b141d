"""Responses shared by the apps."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def private_pdf(stored: FieldFile, filename: str) -> FileResponse:
    """A stored PDF as a download that no browser or proxy keeps a copy of."""
    response = FileResponse(
        stored.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response
