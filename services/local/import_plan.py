"""`make import FILE=... ORG=...`: import a plan file from the command line, through the same service as the API.

ORG is the organisation's id or NIT (`890985092-3` or `890985092`). A dry run unless COMMIT=1; ACCEPT=true or
ACCEPT=code1,code2 accepts warnings; YEAR and SHEET as in `POST /v1/plans:import`.
"""

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.config import Settings
from services.api.db import create_engine, create_sessionmaker
from services.api.files.importing import Upload
from services.api.imports import service as imports_service
from services.api.models import OrganizationRow
from services.local.migrate import resolve_url, upgrade
from shared.contract.imports import ImportReport
from shared.enums import Role

SYSTEM_KEY_ID = uuid.UUID(int=0)


async def run(database_url: str, arguments: argparse.Namespace) -> int:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_sessionmaker(engine).begin() as session:
            organization_id = await _organization_id(session, arguments.org)
            admin = Caller(
                api_key_id=SYSTEM_KEY_ID,
                role=Role.ADMIN,
                organization_id=None,
                organization_kind=None,
                visible_ids=None,
            )
            accept = arguments.accept.strip().lower()
            accepted: set[str] | None = (
                None if accept in ("true", "1", "yes") else {code for code in accept.split(",") if code}
            )
            path = Path(arguments.file)
            row = await imports_service.import_plan_file(
                session,
                admin,
                upload=Upload(path.read_bytes(), path.name),
                organization_id=organization_id,
                year=arguments.year,
                dry_run=not arguments.commit,
                accepted_warnings=accepted,
                sheet=arguments.sheet,
            )
            report = ImportReport.model_validate(row)
    finally:
        await engine.dispose()
    print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0 if report.status != "rejected" else 1


async def _organization_id(session: object, reference: str) -> uuid.UUID:
    try:
        return uuid.UUID(reference)
    except ValueError:
        pass
    number = reference.split("-")[0].replace(".", "")
    statement = select(col(OrganizationRow.id)).where(
        col(OrganizationRow.nit).like(f"{number}-%"), col(OrganizationRow.deleted_at).is_(None)
    )
    found = (await session.execute(statement)).scalars().first()  # type: ignore[attr-defined]
    if found is None:
        raise SystemExit(f"no organisation with id or NIT {reference!r}")
    return uuid.UUID(str(found))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("org")
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--sheet", default=None)
    parser.add_argument("--accept", default="")
    parser.add_argument("--commit", action="store_true")
    arguments = parser.parse_args(argv)
    database_url = resolve_url()
    upgrade(database_url)
    return asyncio.run(run(database_url, arguments))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
