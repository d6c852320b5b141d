"""bench/http_pages.py's own logic, without running wrk or a server: reading wrk's output,
the ratios to /healthz, the targets, and rewriting one section of docs/PERFORMANCE.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "http_pages.py"
_spec = importlib.util.spec_from_file_location("bench_http_pages", _PATH)
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench  # dataclasses look their module up while the class is built
# As when the script runs: its own folder first on the path, for its sibling modules.
sys.path.insert(0, str(_PATH.parent))
try:
    _spec.loader.exec_module(bench)
finally:
    sys.path.remove(str(_PATH.parent))

# `wrk -t2 -c8 -d5s --latency --timeout 10s -s count.lua` (the bench's script), with socket
# errors and answers outside 200-299.
WRK_BUSY = """\
Running 5s test @ http://127.0.0.1:8211/member/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   112.48ms   40.12ms   1.20s    81.02%
    Req/Sec    36.11     10.02    60.00     70.00%
  Latency Distribution
     50%  104.20ms
     75%  130.75ms
     90%  161.33ms
     99%    1.02s
  361 requests in 5.01s, 6.17MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:     72.06
Transfer/sec:      1.23MB
non2xx 7
statuses 302=3,500=4
"""

# One connection, microseconds at the median, no errors (wrk prints no error lines then).
WRK_QUIET = (
    """\
Running 1s test @ http://127.0.0.1:8212/
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.55ms   10.42ms  53.09ms   84.75%
    Req/Sec   656.40    199.44     0.91k    70.00%
  Latency Distribution
     50%  362.00us
     75%    9.81ms
     90%   22.74ms
     99%   43.74ms
  662 requests in 1.03s, 121.07KB read
Requests/sec:    641.66
Transfer/sec:    117.35KB
non2xx 0
"""
    + "statuses \n"
)  # as the script prints it when every answer was 2xx


def test_wrk_output_with_errors():
    result = bench.parse_wrk(WRK_BUSY)
    assert result["requests"] == 361
    assert result["seconds"] == pytest.approx(5.01)
    assert result["bytes"] == pytest.approx(6.17 * 1024 * 1024)
    assert result["rps"] == pytest.approx(72.06)
    assert result["p50_ms"] == pytest.approx(104.2)
    assert result["p99_ms"] == pytest.approx(1020.0)
    # The script's count (3xx included) wins over wrk's own, and socket errors add to it.
    assert result["non2xx"] == 7
    assert result["statuses"] == "302=3,500=4"
    assert result["socket_errors"] == 3
    assert result["errors"] == 10


def test_wrk_output_in_microseconds_without_errors():
    result = bench.parse_wrk(WRK_QUIET)
    assert result["p50_ms"] == pytest.approx(0.362)
    assert result["p99_ms"] == pytest.approx(43.74)
    assert result["bytes"] == pytest.approx(121.07 * 1024)
    assert (result["errors"], result["socket_errors"], result["non2xx"]) == (0, 0, 0)
    assert result["statuses"] == ""


def test_without_the_script_wrks_own_count_is_used():
    result = bench.parse_wrk(WRK_BUSY.replace("non2xx 7\n", ""))
    assert result["non2xx"] == 4
    assert result["errors"] == 7


def test_a_cut_short_output_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="Requests/sec"):
        bench.parse_wrk(WRK_BUSY.split("Requests/sec")[0])


def _run(key: str, round_: int, clients: int, rps: float, p99: float = 10.0, statuses: str = ""):
    errors = sum(int(pair.split("=")[1]) for pair in filter(None, statuses.split(",")))
    return {"key": key, "round": round_, "clients": clients, "rps": rps, "p50_ms": 5.0,
            "p99_ms": p99, "errors": errors, "statuses": statuses,
            "requests": int(rps)}  # fmt: skip


def test_ratio_is_to_healthz_of_the_same_round_and_level():
    runs = [
        _run("healthz", 1, 8, 1000.0),
        _run("dashboard", 1, 8, 200.0, statuses="302=1,500=2"),
        _run("healthz", 2, 8, 500.0),
        _run("dashboard", 2, 8, 150.0, statuses="500=1"),
        _run("healthz", 1, 1, 400.0),
        _run("dashboard", 1, 1, 40.0),
    ]
    rows = bench.summarize(runs)
    # (0.2 + 0.3) / 2 per round, not 175 / 750 from the means.
    assert rows["dashboard", 8]["ratio"] == pytest.approx(0.25)
    assert rows["dashboard", 8]["rps"] == pytest.approx(175.0)
    assert rows["dashboard", 8]["each_rps"] == [200.0, 150.0]
    assert rows["dashboard", 1]["ratio"] == pytest.approx(0.1)
    assert rows["healthz", 8]["ratio"] == pytest.approx(1.0)
    assert (rows["dashboard", 8]["errors"], rows["dashboard", 8]["statuses"]) == (4, "302=1, 500=3")
    assert (rows["dashboard", 1]["errors"], rows["dashboard", 1]["statuses"]) == (0, "")


def test_a_target_needs_the_ratio_and_the_p99():
    fast_but_jittery = [_run("healthz", 1, 8, 1000.0), _run("dashboard", 1, 8, 200.0, p99=75.0)]
    (line,) = bench.target_lines(bench.summarize(fast_but_jittery))
    assert "0.200x" in line and "p99 75.0 ms" in line and "**not met**" in line
    steady = [_run("healthz", 1, 8, 1000.0), _run("dashboard", 1, 8, 200.0, p99=40.0)]
    (line,) = bench.target_lines(bench.summarize(steady))
    assert "**met**" in line
    failing = [_run("healthz", 1, 8, 1000.0), _run("dashboard", 1, 8, 200.0, statuses="500=1")]
    (line,) = bench.target_lines(bench.summarize(failing))
    assert "**not met**" in line


DOC = """\
# Performance

## Roster import

Roster text, kept as is.

| a | b |
| --- | --- |

## Pages over HTTP

Old figures.

## Notices

Notices text.
### One notice rendered
Kept too.
"""


def test_rewriting_a_section_leaves_the_others_alone():
    new = "## Pages over HTTP\n\nNew figures.\n"
    updated = bench._docs.replace_section(DOC, new)
    before, _, rest = DOC.partition("## Pages over HTTP")
    after = rest[rest.index("## Notices") :]
    assert updated == before + new + "\n" + after
    assert "Old figures" not in updated


def test_the_last_section_and_a_missing_one():
    last = bench._docs.replace_section(DOC, "## Notices\n\nOther notices text.\n")
    assert last == DOC[: DOC.index("## Notices")] + "## Notices\n\nOther notices text.\n"
    appended = bench._docs.replace_section(DOC, "## Staff search\n\nSearch.\n")
    assert appended == DOC + "\n## Staff search\n\nSearch.\n"


def test_the_section_lists_each_page_by_level_under_its_heading():
    runs = [
        _run("healthz", 1, 8, 1000.0),
        _run("dashboard", 1, 8, 200.0, statuses="500=2"),
        _run("healthz", 1, 1, 400.0),
        _run("dashboard", 1, 1, 40.0),
    ]
    facts = {"versions": "Python 3", "load_start": 1.0, "load_measuring": 1.5, "load_end": 2.0,
             "members": 233, "notices": 210, "applications": 12, "cases": 10,
             "conn_max_age": 60, "role": "the portal's own role", "duration": 5, "rounds": 1,
             "sizes": {"healthz": 2, "dashboard": 17_920}}  # fmt: skip
    text = bench.section(bench.summarize(runs), facts, ".venv/bin/python bench/http_pages.py")
    assert text.startswith("## Pages over HTTP\n")
    table = [line for line in text.splitlines() if line.startswith("| `/")]
    assert [line.split(" | ")[3] for line in table] == ["1", "8", "1", "8"]  # healthz first
    assert table[0].startswith("| `/healthz` (baseline) | anonymous | 2 B | 1 |")
    assert table[3].startswith("| `/member/` dashboard | member | 17.5 KB | 8 | 200.0 |")
    assert "| 2 (500=2) | 0.200x |" in table[3]
    assert "1 round;" in text and "**not met**" in text


def test_cpu_between_two_samples_counts_new_processes_whole_and_loses_ended_ones():
    before = {10: ("web", 5.0), 11: ("web", 1.0), 20: ("database", 2.0), 21: ("database", 9.0)}
    after = {10: ("web", 5.5), 11: ("web", 1.25), 20: ("database", 2.5), 22: ("database", 0.25)}
    # 21 closed its connection meanwhile: what it spent since the first sample is lost, never
    # subtracted; 22 started meanwhile: all it spent counts.
    assert bench.cpu_between(before, after) == {"web": 0.75, "database": 0.75}
