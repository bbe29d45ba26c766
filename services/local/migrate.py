"""`make migrate` / `make migration m=...`: Alembic against DATABASE_URL or the embedded server.

Usage: python -m services.local.migrate upgrade head
       python -m services.local.migrate revision --autogenerate -m "add complaints"
"""

import sys

from alembic import command
from alembic.config import Config

from services.local.database import REPO_ROOT, database_name, ensure_database, server_url, with_database

ALEMBIC_INI = REPO_ROOT / "services" / "api" / "alembic.ini"
DEFAULT_DATABASE = "participa"


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    ensure_database(url)
    command.upgrade(alembic_config(url), revision)


def resolve_url() -> str:
    url, embedded = server_url(stop_at_exit=True)
    # The embedded server's default database is `postgres`; Participa keeps its own.
    if embedded or database_name(url) == "postgres":
        url = with_database(url, DEFAULT_DATABASE)
    return url


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    url = resolve_url()
    ensure_database(url)
    config = alembic_config(url)
    action, *rest = argv
    if action == "upgrade":
        command.upgrade(config, rest[0] if rest else "head")
    elif action == "downgrade":
        command.downgrade(config, rest[0] if rest else "-1")
    elif action == "revision":
        message = rest[rest.index("-m") + 1] if "-m" in rest else "change"
        command.revision(config, message=message, autogenerate="--autogenerate" in rest)
    elif action == "current":
        command.current(config)
    else:
        print(f"unknown action {action!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
