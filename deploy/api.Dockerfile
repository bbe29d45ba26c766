# syntax=docker/dockerfile:1.7
# Participa API (services/api): the system of record, sole owner of the schema and the migrations.
#
# Build from the repository root (the context must hold pyproject.toml, uv.lock, shared/ and services/):
#   docker build -f deploy/api.Dockerfile -t participa-api:0.1.0 .
# The same image runs the migrations as a one-off job:
#   docker run --rm -e DATABASE_URL=... participa-api:0.1.0 python -m services.local.migrate upgrade head
# No secret is baked in: DATABASE_URL and PARTICIPA_ADMIN_API_KEY come from the environment at run time.

# ---- builder: resolve the locked dependencies of the "api" group into /opt/venv ----------------------
FROM python:3.11-slim AS builder

COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /usr/local/bin/uv

ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /src
# Only the lock and the project file are needed to install the dependencies, so this layer is reused
# until one of them changes. The project is `package = false`: nothing of our own code is installed here.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    uv sync --frozen --no-default-groups --group api

# ---- runtime: the interpreter, the virtualenv and the code; no uv, no compiler, no root --------------
FROM python:3.11-slim AS runtime

LABEL org.opencontainers.image.title="participa-api" \
      org.opencontainers.image.description="Participa API: social participation in health (PPSS plans, PQRD complaints, visits)"

RUN groupadd --system --gid 10001 participa \
 && useradd --system --uid 10001 --gid participa --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin participa

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root and read-only for the service user. services/kit is the application
# assembly both services share; services/local holds the migration entry point
# (python -m services.local.migrate); Alembic's files live in services/api.
COPY shared/ ./shared/
COPY services/__init__.py ./services/__init__.py
COPY services/kit/ ./services/kit/
COPY services/api/ ./services/api/
COPY services/local/ ./services/local/
RUN python -m compileall -q shared services

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    API_PORT=8000

USER 10001:10001

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('API_PORT', '8000') + '/health', timeout=2); sys.exit(0 if r.status == 200 else 1)"]

# One uvicorn process per container by default; WEB_CONCURRENCY=N starts N workers (uvicorn reads it).
# `exec` keeps uvicorn as PID 1 so it receives SIGTERM and drains in-flight requests.
CMD ["sh", "-c", "exec uvicorn services.api.main:create_app --factory --host 0.0.0.0 --port \"${API_PORT:-8000}\""]
