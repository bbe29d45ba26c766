"""`make run`: PostgreSQL (embedded unless DATABASE_URL), migrations, demo data, then the API and analytics.

Ctrl-C (or SIGTERM) stops both services and the embedded server cleanly.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from types import FrameType

import httpx

from services.api.access.caller import Caller
from services.api.access.keys import generate_api_key
from services.api.auth import service as auth_service
from services.api.config import Settings
from services.api.db import create_engine, create_sessionmaker
from services.api.demo.load import DEMO_ADMIN_KEY_NAME, DemoKeys, load_demo
from services.local.database import REPO_ROOT, plain_url
from services.local.migrate import resolve_url, upgrade
from shared.enums import Role

HOST = os.environ.get("PARTICIPA_HOST", "127.0.0.1")
API_PORT = int(os.environ.get("API_PORT", "8000"))
ANALYTICS_PORT = int(os.environ.get("ANALYTICS_PORT", "8001"))
READY_TIMEOUT_SECONDS = 90


class AdminKeyRevoked(RuntimeError):
    """PARTICIPA_ADMIN_API_KEY names a key an admin revoked: it stays revoked, so the demo cannot use it."""


async def prepare_demo(database_url: str, admin_secret: str, *, generated: bool) -> DemoKeys:
    """Ensure the admin key and load the demo. A generated admin key is named as the demo's, so the next
    run revokes it; a configured one keeps its name and is never revoked here."""
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_sessionmaker(engine).begin() as session:
            name = DEMO_ADMIN_KEY_NAME if generated else auth_service.ADMIN_KEY_NAME
            key = await auth_service.ensure_admin_key(session, admin_secret, name=name)
            if key.revoked_at is not None:
                raise AdminKeyRevoked(
                    f"PARTICIPA_ADMIN_API_KEY ({key.prefix}…) was revoked; set a new value, or unset it for a fresh key"
                )
            admin = Caller(
                api_key_id=key.id,
                role=Role.ADMIN,
                organization_id=None,
                organization_kind=None,
                visible_ids=None,
            )
            return await load_demo(session, admin)
    finally:
        await engine.dispose()


def start_service(module: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"{module}:create_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
    ]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env)


def wait_ready(url: str, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("a service exited during start-up; see its log above")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {READY_TIMEOUT_SECONDS} s")


def main() -> int:
    database_url = resolve_url()
    print(f"PostgreSQL: {database_url.split('@')[-1]}", flush=True)
    upgrade(database_url)
    configured = os.environ.get("PARTICIPA_ADMIN_API_KEY")
    admin_secret = configured or generate_api_key()
    try:
        keys = asyncio.run(prepare_demo(database_url, admin_secret, generated=not configured))
    except AdminKeyRevoked as error:
        print(error, file=sys.stderr)
        return 2
    if keys.revoked:
        print(f"Revoked {keys.revoked} demo keys of earlier runs.", flush=True)

    env = dict(os.environ)
    env.update(
        DATABASE_URL=plain_url(database_url),
        PARTICIPA_ADMIN_API_KEY=admin_secret,
        API_PORT=str(API_PORT),
        ANALYTICS_PORT=str(ANALYTICS_PORT),
        API_BASE_URL=os.environ.get("API_BASE_URL", f"http://127.0.0.1:{API_PORT}"),
        PYTHONPATH=str(REPO_ROOT),
    )
    processes = [
        start_service("services.api.main", API_PORT, env),
        start_service("services.analytics.main", ANALYTICS_PORT, env),
    ]

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        api = f"http://{HOST}:{API_PORT}"
        analytics = f"http://{HOST}:{ANALYTICS_PORT}"
        wait_ready(f"{api}/health", processes)
        wait_ready(f"{analytics}/health", processes)
        print(
            "\nParticipa is running.\n"
            f"  API        {api}        docs {api}/docs\n"
            f"  Analytics  {analytics}        docs {analytics}/docs\n"
            f"  Demo plan  {api}/v1/plans/{keys.plan_id}/tree\n\n"
            "Demo keys (send as  Authorization: Bearer <key>):\n"
            f"  asociación de usuarios  {keys.association}\n"
            f"  EPS                     {keys.eps}\n"
            f"  secretaría              {keys.secretaria}\n"
            f"  admin                   {admin_secret}\n\n"
            f"Try:  curl -H 'Authorization: Bearer {keys.association}' {api}/v1/plans/{keys.plan_id}/tree\n"
            f"      curl -H 'Authorization: Bearer {keys.secretaria}' "
            f"'{analytics}/v1/analytics/complaints/bimonthly?group_by=entity,type'\n"
            "      (consolidado de PQRD del último bimestre; &format=xlsx para la hoja de cálculo)\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        print("a service stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
