"""The images hold code, never data or secrets: built by scripts/images.sh (podman here), then listed.

The build context is a copy of the checkout with every kind of secret planted
in it (as a developer's working folder has after ``make run``), so the test
shows that .dockerignore and the build keep them out. The images are built
with the lighter ``requirements/web.txt`` stack (the ML stack would take many
minutes to install); what is copied and written does not depend on the stack.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.sandbox.conftest import PODMAN, _podman_required

ROOT = Path(__file__).resolve().parent.parent
PLANTED = {
    ".env": "DJANGO_SECRET_KEY=planted",
    "var/hidden-seed": "123",
    "var/admin-password": "pw",
    "var/db.sqlite3": "",
    "var/huey.sqlite3": "",
    ".venv/pyvenv.cfg": "home = /x",
    ".git/config": "[core]",
    "leaderboard/hidden-seed": "9",
    "local.db": "",
}
FORBIDDEN_NAMES = {"hidden-seed", "admin-password", ".env", ".git", ".venv"}
DATABASE_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".db")


def _files(image: str) -> list[str]:
    """Every path in the image's file system (podman export of a created container)."""
    created = subprocess.run([*PODMAN, "create", image, "true"], capture_output=True, text=True, check=True)
    container = created.stdout.strip()
    try:
        export = subprocess.Popen([*PODMAN, "export", container], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=export.stdout, mode="r|") as archive:
            names = ["/" + member.name.lstrip("./") for member in archive]
        assert export.wait() == 0
    finally:
        subprocess.run([*PODMAN, "rm", "--force", container], capture_output=True)
    return names


@pytest.fixture(scope="module")
def built_images(tmp_path_factory) -> dict[str, list[str]]:
    _podman_required()
    context = tmp_path_factory.mktemp("context")
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listing, cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, context / name)
    for name, text in PLANTED.items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text(text)
    tags = {"app": "localhost/lb-test-app:latest", "sandbox": "localhost/lb-test-sandbox:latest"}
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LB_CONTAINER_CLI": "podman",
        "LB_CONTAINER_CLI_ARGS": " ".join(PODMAN[1:]),
        "LB_APP_IMAGE": tags["app"],
        "LB_SANDBOX_IMAGE": tags["sandbox"],
        "LB_IMAGE_BUILD_ARGS": "--build-arg REQUIREMENTS=requirements/web.txt",
    }
    # Earlier runs' superseded layers; the tagged images stay as the build cache.
    subprocess.run([*PODMAN, "image", "prune", "--force"], capture_output=True, timeout=300)
    done = subprocess.run(
        [str(ROOT / "scripts" / "images.sh"), str(context)], env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {kind: _files(tag) for kind, tag in tags.items()}


def _leaks(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        parts = set(Path(path).parts)
        if parts & FORBIDDEN_NAMES or path.endswith(DATABASE_SUFFIXES):
            found.append(path)
    return found


@pytest.mark.slow
def test_no_image_holds_data_or_secrets(built_images):
    for kind, paths in built_images.items():
        assert len(paths) > 1000, kind  # really listed a file system
        leaks = _leaks(paths)
        assert not leaks, f"{kind}: {leaks}"


@pytest.mark.slow
def test_the_sandbox_image_has_no_platform_code_or_data_dir(built_images):
    app, sandbox = set(built_images["app"]), set(built_images["sandbox"])
    assert "/app/manage.py" in app and "/app/config/settings.py" in app
    assert "/app/staticfiles" in app  # collected at build, outside the data volume
    assert not any(p.startswith("/shared/") for p in app)  # the data volume's mount point is empty
    project = {p for p in sandbox if p.startswith("/app/")}
    assert project and all(p.startswith("/app/benchmarks") for p in project)
    assert "/shared" not in sandbox and "/opt/venv/bin/python" in sandbox
