"""deploy/: the owner role's URL is root's alone (deploy/portal-manage, owner.env)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from portal.dev.setup import read_dotenv

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_only_portal_manage_as_owner_holds_the_owners_url(tmp_path):
    """The services' file has no owner URL (the owner can switch the audit log's triggers
    off); portal-manage hands it, from root's owner.env, to one command run as the owner."""
    assert "DATABASE_OWNER_URL" not in read_dotenv(DEPLOY / "env.example")
    owner = tmp_path / "owner.env"
    owner.write_text("DATABASE_OWNER_URL=postgres://portal:s3cret@db:5432/portal\n")
    script = (DEPLOY / "portal-manage").read_text()
    assert "/etc/kenpo-portal/owner.env" in script
    # The same script, printing the command it would run instead of running it.
    script = script.replace("/etc/kenpo-portal/owner.env", str(owner))
    script = script.replace('cd "$PORTAL_HOME"', ":")
    script = script.replace('exec runuser -u "$PORTAL_USER" -- env -i', 'printf "%s\\n"')
    run = tmp_path / "portal-manage"
    run.write_text(script)

    def arguments(**environment: str) -> list[str]:
        done = subprocess.run(
            ["sh", str(run), "migrate"],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", **environment},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    as_owner = arguments(DATABASE_AS_OWNER="1")
    assert "DATABASE_OWNER_URL=postgres://portal:s3cret@db:5432/portal" in as_owner
    assert as_owner[-1] == "migrate"
    assert not [line for line in arguments() if "OWNER_URL" in line]
