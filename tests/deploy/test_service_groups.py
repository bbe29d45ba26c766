"""Each service imports and builds its app with only its own dependency group, as its image installs it.

The development `.venv` holds every dependency group, so a module that imports another group's package
(SQLAlchemy in `services/kit`, orjson in analytics) passes every other test and fails only in the image,
at start. These tests rebuild what each Dockerfile's builder stage does: they run the Dockerfile's own
`uv sync` arguments into a throwaway virtualenv, copy only the code its `COPY` lines copy, and import the
service there with the compose env template as its environment. No database, no Docker.

uv comes from `.tools/` (the Makefile installs the pinned version there) and installs from the local uv
cache, offline when the cache holds everything, from the index otherwise.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import (
    API,
    REPO_ROOT,
    SERVICE_IDS,
    SERVICES,
    Svc,
    arguments_of,
    parse_env_file,
)

SYNC_TIMEOUT_SECONDS = 600
IMPORT_TIMEOUT_SECONDS = 120

# What the image's interpreter runs: the factory its CMD starts, and the OpenAPI document, which touches
# every route's models. The API image is also the migration job, so its entry point and Alembic's scripts
# (each revision file is imported) must load too; neither needs a database. One interpreter does both: a
# fresh virtualenv has no bytecode, and compiling the dependencies twice would double the test's time.
SERVICE_CHECK = """
import sys
from importlib import import_module

app = import_module(sys.argv[1]).create_app()
assert app.openapi()["paths"], "no routes"
if sys.argv[2:] == ["--migrations"]:
    from alembic import command
    from services.local.migrate import alembic_config

    command.heads(alembic_config("postgresql://unused@127.0.0.1:1/unused"))
"""


def uv_binary() -> str:
    pinned = REPO_ROOT / ".tools" / "bin" / "uv"
    found = str(pinned) if pinned.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv not found: run `make install` (it puts the pinned uv in .tools/bin/)")
    return found


def dockerfile_sync_arguments(svc: Svc) -> list[str]:
    """The arguments after `uv sync` in the Dockerfile's builder stage (its `--mount` flags dropped)."""
    (command,) = [arguments for arguments in arguments_of(svc.dockerfile, "RUN") if "uv sync" in arguments]
    words = shlex.split(command)
    start = next(i for i in range(len(words) - 1) if words[i : i + 2] == ["uv", "sync"])
    return words[start + 2 :]


def copy_image_code(svc: Svc, app_dir: Path) -> None:
    """The build-context files the Dockerfile copies into /app, nothing else of the repository."""
    for arguments in arguments_of(svc.dockerfile, "COPY"):
        if arguments.startswith("--from="):
            continue  # from another stage or image
        *sources, destination = shlex.split(arguments)
        for source in sources:
            origin = REPO_ROOT / source
            # Docker's rules: a directory's contents go into the destination; a file goes into a
            # destination that ends in "/", or becomes the destination.
            target = app_dir / destination
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
                continue
            if destination.endswith("/"):
                target = target / origin.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


def sync_group(svc: Svc, environment: Path) -> None:
    # The caller's uv settings stay (UV_CACHE_DIR is the cache that makes this fast); the Makefile's
    # UV_PROJECT_ENVIRONMENT=.venv must not, or the sync would strip the development virtualenv.
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env.update(UV_PROJECT_ENVIRONMENT=str(environment), UV_PYTHON_DOWNLOADS="never")
    # The interpreter of this run stands in for the image's python:3.11-slim.
    command = [uv_binary(), "sync", *dockerfile_sync_arguments(svc), "--python", sys.executable, "--no-progress"]
    for extra in (["--offline"], []):
        done = subprocess.run(
            [*command, *extra],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SYNC_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode == 0:
            return
    pytest.fail(f"{shlex.join(command)} failed:\n{done.stderr}")


def run_in_image(environment: Path, app_dir: Path, svc: Svc, *argv: str) -> subprocess.CompletedProcess[str]:
    # The image's environment: its Dockerfile ENV (PYTHONPATH=/app) and the compose env template; nothing
    # from this process, so no package of the development .venv can leak in.
    env = {
        "PATH": f"{environment / 'bin'}{os.pathsep}/usr/bin:/bin",
        "PYTHONPATH": str(app_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(app_dir),
        **parse_env_file(svc.env_example),
    }
    return subprocess.run(
        [str(environment / "bin" / "python"), "-c", *argv],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT_SECONDS,
        check=False,
    )


# 3 to 9 s a service (most of it compiling the dependencies' bytecode in the fresh virtualenv); make test
# runs it, as CI must.
@pytest.mark.slow
@pytest.mark.parametrize("svc", SERVICES, ids=SERVICE_IDS)
def test_service_starts_with_only_its_own_dependency_group(svc: Svc, tmp_path: Path) -> None:
    environment, app_dir = tmp_path / "venv", tmp_path / "app"
    sync_group(svc, environment)
    copy_image_code(svc, app_dir)

    module = svc.app.partition(":")[0]
    done = run_in_image(environment, app_dir, svc, SERVICE_CHECK, module, *(["--migrations"] if svc is API else []))
    assert done.returncode == 0, (
        f"{svc.name} fails with only the {svc.group!r} dependency group installed "
        f"(add the missing package to that group in pyproject.toml, or drop the import):\n{done.stderr}"
    )
