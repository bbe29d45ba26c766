# syntax=docker/dockerfile:1.7
# Participa analytics (services/analytics): derived metrics (indicator ratios, plan execution, bimonthly
# complaint comparisons, visit prioritisation). It reads only the API over HTTP and never the database.
#
# Build from the repository root:
#   docker build -f deploy/analytics.Dockerfile -t participa-analytics:0.1.0 .
# No secret is baked in: the service forwards each caller's key to the API (API_BASE_URL).

# ---- builder: resolve the locked dependencies of the "analytics" group into /opt/venv ----------------
FROM python:3.11-slim AS builder

COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /usr/local/bin/uv

ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /src
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    uv sync --frozen --no-default-groups --group analytics

# ---- runtime -------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

LABEL org.opencontainers.image.title="participa-analytics" \
      org.opencontainers.image.description="Participa analytics: metrics over the Participa API for health participation reports"

RUN groupadd --system --gid 10001 participa \
 && useradd --system --uid 10001 --gid participa --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin participa

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Analytics gets the wire contract, the shared application assembly and its own package: the API's
# code is not in the image at all.
COPY shared/ ./shared/
COPY services/__init__.py ./services/__init__.py
COPY services/kit/ ./services/kit/
COPY services/analytics/ ./services/analytics/
RUN python -m compileall -q shared services

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ANALYTICS_PORT=8001

USER 10001:10001

EXPOSE 8001

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ANALYTICS_PORT', '8001') + '/health', timeout=2); sys.exit(0 if r.status == 200 else 1)"]

CMD ["sh", "-c", "exec uvicorn services.analytics.main:create_app --factory --host 0.0.0.0 --port \"${ANALYTICS_PORT:-8001}\""]
