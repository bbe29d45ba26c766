"""Local tooling behind the Makefile: the embedded PostgreSQL, migrations, `make run`, `make test`, OpenAPI."""
