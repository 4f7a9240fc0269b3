"""``python -m pathfinder.devstack.pg_guard PG_CTL DATA_DIR [SYSTEM_USER]``: stop PostgreSQL when its owner dies.

``pg_ctl`` starts PostgreSQL as a daemon, so the server would outlive the process that started it if that process
were killed. :class:`~pathfinder.devstack.postgres.EmbeddedPostgres` therefore starts this guard with a pipe as
its stdin that only the owner holds. The owner writes ``release`` before it closes the pipe when it stopped the
server itself; end of file without ``release`` means the owner is gone (even by SIGKILL), and the guard stops
the server. SIGTERM and SIGHUP count as the owner being gone too; SIGINT (a Ctrl-C in a terminal) is ignored.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType


def _owner_gone(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _owner_gone)
    signal.signal(signal.SIGHUP, _owner_gone)
    pg_ctl, data_dir = argv[0], argv[1]
    user = argv[2] if len(argv) > 2 and argv[2] else None
    released = False
    try:
        released = sys.stdin.buffer.read().strip() == b"release"
    finally:
        if not released:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            subprocess.run(
                [pg_ctl, "-D", data_dir, "-m", "fast", "-w", "-t", "60", "stop"],
                user=user,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
