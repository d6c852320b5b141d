"""The architecture holds: import-linter's contracts (pyproject.toml), every module of portal
placed in a layer, and no module too long to read."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
# Migrations are generated; benchmarks are scripts, not the portal.
LINE_LIMIT_EXEMPT = ("migrations", "bench")


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_every_module_of_portal_is_in_a_layer():
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    modules = {
        f"portal.{path.stem if path.suffix == '.py' else path.name}"
        for path in (ROOT / "portal").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert modules - placed == set(), "place each new portal module in a layer (pyproject.toml)"


def test_a_contract_that_is_broken_is_reported(tmp_path):
    # The linter really reads the graph: a config that forbids what the portal does fails.
    config = tmp_path / "contracts.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    portal\n    members\n"
        "[importlinter:contract:wrong]\nname = wrong\ntype = forbidden\n"
        "source_modules =\n    members\nforbidden_modules =\n    portal\n",
        encoding="utf-8",
    )
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "BROKEN" in result.stdout


def test_no_module_is_over_four_hundred_lines():
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    too_long = {}
    for name in tracked:
        path = ROOT / name
        if set(path.relative_to(ROOT).parts) & set(LINE_LIMIT_EXEMPT) or not path.exists():
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[name] = lines
    assert too_long == {}
