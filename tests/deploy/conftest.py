"""Readers of deploy/ shared by its tests: the two services as the files must describe them, env files and
Dockerfile instructions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"


@dataclass(frozen=True)
class Svc:
    """One of the two Participa services, as the deployment files must describe it."""

    name: str
    port: int
    port_env: str
    group: str
    app: str

    @property
    def dockerfile(self) -> Path:
        return DEPLOY / f"{self.name}.Dockerfile"

    @property
    def deployment(self) -> str:
        return f"participa-{self.name}"

    @property
    def env_example(self) -> Path:
        return DEPLOY / "env" / f"{self.name}.env.example"


API = Svc("api", 8000, "API_PORT", "api", "services.api.main:create_app")
ANALYTICS = Svc("analytics", 8001, "ANALYTICS_PORT", "analytics", "services.analytics.main:create_app")
SERVICES = (API, ANALYTICS)
SERVICE_IDS = [svc.name for svc in SERVICES]


def parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number}: not KEY=VALUE"
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"{path.name}:{number}: bad name {key!r}"
        values[key] = value
    return values


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, f"{path.name}: dangling line continuation"
    return instructions


def arguments_of(path: Path, keyword: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile_instructions(path) if instruction == keyword]
