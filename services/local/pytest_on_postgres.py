"""`make test`: run pytest against DATABASE_URL's server, or start the embedded one first.

Tests create their own databases on that server (one per xdist worker, migrated with Alembic) and never
touch the database the URL names.
"""

import os
import sys

import pytest

from services.local.database import server_url


def main(argv: list[str]) -> int:
    url, embedded = server_url(stop_at_exit=True)
    os.environ["PARTICIPA_TEST_SERVER_URL"] = url
    print(f"PostgreSQL for the tests: {'embedded server' if embedded else 'DATABASE_URL'}", flush=True)
    return int(pytest.main(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
