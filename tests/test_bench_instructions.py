"""bench/page_instructions.py's report, without valgrind or a database: each page's count per
request and its ratio to /healthz, for each checkout counted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parent.parent / "bench" / "page_instructions.py"
_spec = importlib.util.spec_from_file_location("bench_page_instructions", _PATH)
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench
sys.path.insert(0, str(_PATH.parent))  # as when the script runs: its siblings importable
try:
    _spec.loader.exec_module(bench)
finally:
    sys.path.remove(str(_PATH.parent))


def test_the_report_gives_each_page_per_checkout_and_its_ratio_to_healthz():
    rows = {
        "healthz": {"this checkout": 1_300_000, "abc123": 1_320_000},
        "dashboard": {"this checkout": 42_800_000, "abc123": 52_240_000},
    }
    labels = {"healthz": "`/healthz` (baseline)", "dashboard": "`/member/` dashboard"}
    text = bench.section(rows, labels, {"command": "CMD --against abc123", "requests": 20})
    assert text.startswith(bench.SECTION + "\n")
    assert "CMD --against abc123" in text and "mean of 20 requests" in text
    assert "| page | this checkout: instructions | times /healthz's | abc123: instructions" in text
    assert "| `/healthz` (baseline) | 1.3 M | 1.0x | 1.3 M | 1.0x |" in text
    assert "| `/member/` dashboard | 42.8 M | 32.9x | 52.2 M | 39.6x |" in text


def test_every_page_counted_is_one_the_http_benchmark_knows():
    known = {page.key for page in bench.http_pages.PAGES}
    assert set(bench.PAGES) <= known and bench.PAGES[0] == "healthz"
