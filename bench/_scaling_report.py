"""docs/SCALING.md's measured section, written by bench/scaling.py."""

from __future__ import annotations

import argparse
import os
import platform
from datetime import date
from pathlib import Path

import _docs

DOC = Path(__file__).resolve().parent.parent / "docs" / "SCALING.md"
SECTION = "## Measured on this machine"
VERIFY_LIMIT = 10


def section(results: dict, args: argparse.Namespace, command: str) -> str:
    batch, downloads = results["batch"], results["downloads"]
    split = ", ".join(f"{name} {count}" for name, count in sorted(batch["per_worker"].items()))
    return "\n".join(
        [
            SECTION,
            "",
            f"Measured {date.today().isoformat()} on this project's machine "
            f"({os.cpu_count()} cores, {platform.machine()}, Python "
            f"{platform.python_version()}, PostgreSQL and the object store on the same host; "
            f"load average {results['load'][0]:.2f} at the start and "
            f"{results['load'][1]:.2f} at the end: other work on the machine shows here), with:",
            "",
            "```",
            command,
            "```",
            "",
            "Two gunicorn processes (one sync worker each, as one core of each of two web "
            "machines) and two `db_worker` processes, each with an empty `MEDIA_ROOT` of its "
            "own, sharing only PostgreSQL and an S3 object store (moto's server on loopback). "
            "The load is the script's own round robin: request *i* goes to web process *i* mod 2.",
            "",
            "| check | result |",
            "| --- | --- |",
            f"| notice batch over {args.members:,} members, issued by both workers | "
            f"{batch['notices']:,} notices, {batch['rate']:.1f} notices/s ({split}); workers' CPU "
            f"{batch['cpu_ms']:.0f} ms per notice, then {batch['print_cpu_ms']:.0f} ms per "
            "notice for the print file; batch and "
            f"print file done in {batch['wall_s']:.1f} s |",
            f"| every notice downloaded by its member, {args.clients} clients at once, alternately "
            f"through both web processes | {downloads['downloads']:,} of "
            f"{downloads['downloads']:,} "
            f"answered 200 with the issued SHA-256; {downloads['per_s']:.0f} downloads/s, median "
            f"{downloads['median_ms']:.1f} ms, p95 {downloads['p95_ms']:.1f} ms; web workers' "
            f"CPU {downloads['cpu_ms']:.1f} ms per download; "
            f"{' / '.join(map(str, downloads['per_process']))} per process |",
            f"| a session made on one web process, used on the other | {results['session']} |",
            f"| QR verification limit ({VERIFY_LIMIT} per address) hit alternately on both | "
            f"answers {', '.join(map(str, results['limit']))}: the eleventh refused, whichever "
            "process got it |",
            f"| files in the five media directories (two web, two workers, this script) | "
            f"{sum(results['local']['media_files'].values())} |",
            f"| objects in the bucket | {results['local']['objects']:,} (every notice and the "
            "print file) |",
            f"| one notice fetched from the object store by itself (boto3 from this script) | "
            f"median {results['local']['store_get_ms']:.1f} ms |",
            "",
            "Sessions, the cache and the rate limits' counters were in PostgreSQL (the cache "
            "table: no `REDIS_URL`), the task queue too. The rates are those of one loaded machine "
            "running everything, the object store's stand-in included: the CPU figures, which "
            "hardly depend on the load, are what the plan above takes from this run.",
            "",
        ]
    )


def write_section(text: str) -> None:
    """Replace this script's section of docs/SCALING.md, leaving the others alone."""
    _docs.write_section(DOC, text, "Scaling")
