"""`python -m services.local.rederive_deadlines`: re-run the deadline engine over every complaint's event log.

Needed after a change to the holiday table or to the rules of `shared.deadlines`, so the fix reaches old
complaints: the stored status, clock, due date, term and response time in business days of each complaint
are re-derived from its events and rewritten (with a new version) only where they changed. Works in
batches, one transaction each, so a large table is never locked as a whole. Logs complaint ids only, never content.

Usage: python -m services.local.rederive_deadlines [--batch-size 1000]
"""

import argparse
import asyncio
import sys
import uuid

from services.api.complaints import service as complaints_service
from services.api.config import Settings
from services.api.db import create_engine, create_sessionmaker
from services.local.migrate import resolve_url, upgrade


async def run(database_url: str, batch_size: int) -> complaints_service.RederiveCounts:
    engine = create_engine(Settings(database_url=database_url))
    counts = complaints_service.RederiveCounts()
    after: uuid.UUID | None = None
    try:
        sessionmaker = create_sessionmaker(engine)
        while True:
            async with sessionmaker.begin() as session:
                after = await complaints_service.rederive_batch(session, after, batch_size, counts)
            if after is None:
                break
            print(f"{counts.scanned} complaints read, {counts.changed} updated", flush=True)
    finally:
        await engine.dispose()
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=1000)
    arguments = parser.parse_args(argv)
    database_url = resolve_url()
    upgrade(database_url)
    counts = asyncio.run(run(database_url, arguments.batch_size))
    print(f"done: {counts.scanned} read, {counts.changed} updated, {counts.failed} not accepted by the current rules")
    return 1 if counts.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
