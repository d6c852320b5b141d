"""Joining the PDFs our renderer writes into one file, part by part, in bounded memory.

A WeasyPrint document keeps every page's layout until it is written (about 1.3 MB a notice:
a print file of 10,000 notices rendered as one document would need 13 GB). So the print file
is rendered in parts, each written with `pdf_version="1.4"` (pydyf then writes a classic
cross-reference table and no object streams), and the parts are joined here: each part's
pages are copied with everything they reference (contents, resources, fonts), renumbered,
into one page tree. Outlines and metadata of the parts are left behind. Only that shape of
PDF is accepted; anything else raises PdfJoinError rather than writing a broken file.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import BinaryIO

HEADER = b"%PDF-1.4\n%\xf0\x9f\x96\xa4\n"
_STARTXREF = re.compile(rb"startxref\n(\d+)\n%%EOF\n?$")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf]) ?")
_OBJECT = re.compile(rb"(\d+) 0 obj\n")
_REF = re.compile(rb"(\d+) 0 R(?![A-Za-z0-9])")
_KEY_REF = re.compile(rb"/(Root|Pages|Parent) (\d+) 0 R")


class PdfJoinError(ValueError):
    pass


def _objects(pdf: bytes) -> tuple[dict[int, bytes], bytes]:
    """{number: body between "N 0 obj" and "endobj"}, and the trailer dictionary."""
    if not pdf.startswith(b"%PDF-1.4\n"):
        raise PdfJoinError("not a PDF 1.4 file as the renderer writes them")
    match = _STARTXREF.search(pdf, len(pdf) - 64)
    if match is None or not pdf.startswith(b"xref\n", int(match.group(1))):
        raise PdfJoinError("no classic cross-reference table")
    xref = int(match.group(1))
    lines = pdf[xref:].split(b"\n")
    first, count = (int(value) for value in lines[1].split())
    offsets = {}
    for number, line in enumerate(lines[2 : 2 + count], start=first):
        entry = _ENTRY.fullmatch(line)
        if entry is None:
            raise PdfJoinError("unreadable cross-reference entry")
        if entry.group(3) == b"n":
            offsets[number] = int(entry.group(1))
    trailer = b"\n".join(lines[2 + count :])
    # pydyf writes the objects one after the other: each ends where the next one starts.
    ends = dict(pairwise([*sorted(offsets.values()), xref]))
    objects = {}
    for number, start in offsets.items():
        raw = pdf[start : ends[start]]
        header = _OBJECT.match(raw)
        if header is None or int(header.group(1)) != number or not raw.endswith(b"\nendobj\n"):
            raise PdfJoinError(f"object {number} is not where the table says")
        objects[number] = raw[header.end() : -len(b"\nendobj\n")]
    return objects, trailer


def _split(body: bytes) -> tuple[bytes, bytes]:
    """A dictionary written on one line, then optionally its stream: (dictionary, rest)."""
    head, separator, rest = body.partition(b"\nstream\n")
    return head, separator + rest


def _references(head: bytes) -> list[int]:
    return [int(number) for number in _REF.findall(head)]


class PdfJoiner:
    """Appends parts to `target` as they come; `finish()` writes the page tree and tables."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.position = 0
        self.offsets: dict[int, int] = {}
        self.pages: list[int] = []
        # 1 is the page tree and 2 the catalogue, written last; parts' objects follow.
        self.next_number = 3
        self._write(HEADER)

    def _write(self, data: bytes) -> None:
        self.target.write(data)
        self.position += len(data)

    def _write_object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self._write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    def add(self, pdf: bytes) -> int:
        """Copy one part's pages and what they use; returns how many pages it had."""
        objects, trailer = _objects(pdf)
        keys = dict(_KEY_REF.findall(trailer))
        root = objects.get(int(keys.get(b"Root", 0)))
        tree = dict(_KEY_REF.findall(_split(root)[0])) if root else {}
        pages_body = objects.get(int(tree.get(b"Pages", 0)))
        if pages_body is None or b"/Type /Pages" not in pages_body:
            raise PdfJoinError("no page tree")
        kids = pages_body.partition(b"/Kids [")[2].partition(b"]")[0]
        page_numbers = _references(kids)
        # Everything the pages reach, not following /Parent (back up to the old tree).
        renumber: dict[int, int] = {}
        pending = list(page_numbers)
        while pending:
            number = pending.pop()
            if number in renumber:
                continue
            if number not in objects:
                raise PdfJoinError(f"object {number} is referenced but missing")
            renumber[number] = self.next_number
            self.next_number += 1
            head = _split(objects[number])[0]
            if number in page_numbers:
                head = re.sub(rb"/Parent \d+ 0 R", b"", head)
            pending.extend(_references(head))

        def new_reference(match: re.Match) -> bytes:
            return b"%d 0 R" % renumber[int(match.group(1))]

        for number in sorted(renumber, key=renumber.get):
            head, rest = _split(objects[number])
            if number in page_numbers:
                head = re.sub(rb"/Parent \d+ 0 R", b"", head)
            head = _REF.sub(new_reference, head)
            if number in page_numbers:
                head = head.replace(b"<<", b"<</Parent 1 0 R", 1)
            self._write_object(renumber[number], head + rest)
        self.pages += [renumber[number] for number in page_numbers]
        return len(page_numbers)

    def finish(self) -> int:
        """The page tree, the catalogue, the cross-reference table; returns the page count."""
        if not self.pages:
            raise PdfJoinError("nothing to join")
        kids = b" ".join(b"%d 0 R" % number for number in self.pages)
        self._write_object(1, b"<</Type /Pages/Kids [" + kids + b"]/Count %d>>" % len(self.pages))
        self._write_object(2, b"<</Type /Catalog/Pages 1 0 R/Lang (ja)>>")
        xref = self.position
        size = self.next_number
        entries = [b"0000000000 65535 f "] + [
            b"%010d 00000 n " % self.offsets[number] for number in range(1, size)
        ]
        self._write(b"xref\n0 %d\n" % size + b"\n".join(entries) + b"\n")
        self._write(b"trailer\n<</Size %d/Root 2 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
        return len(self.pages)
