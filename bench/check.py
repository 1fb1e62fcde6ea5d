"""Benchmark `check --json` against a floor of `python -c "import requests"`.

Reports, in one run, the median wall time of both over N runs, and the bytes on the
wire (both directions) of a first check (200) and of an unchanged check (304), counted
by a relaying socket between the companion and the demo intranet.

    .venv/bin/python bench/check.py [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tray_app.demo.server import DemoIntranet  # noqa: E402


class CountingRelay:
    """Relays one TCP port to another on 127.0.0.1 and counts the bytes both ways."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.bytes = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                with self._lock:
                    self.bytes += len(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def take(self) -> int:
        time.sleep(0.05)  # let the pumps finish counting the last chunk
        with self._lock:
            counted, self.bytes = self.bytes, 0
        return counted


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with DemoIntranet() as demo, tempfile.TemporaryDirectory() as home:
        relay = CountingRelay(int(demo.url.rsplit(":", 1)[1]))
        # Measure as installed: with bytecode (this machine sets PYTHONDONTWRITEBYTECODE,
        # which would recompile our modules on every run).
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "tray_app")],
                       check=True, env=base)
        env = dict(base, COMPANION_TOKEN=demo.token,
                   COMPANION_INTRANET_URL=f"http://127.0.0.1:{relay.port}",
                   COMPANION_POLICY_FILE=str(Path(home) / "none.json"),
                   XDG_CONFIG_HOME=f"{home}/config", XDG_STATE_HOME=f"{home}/state",
                   XDG_CACHE_HOME=f"{home}/cache")
        check = [sys.executable, str(REPO / "main.py"), "check", "--json"]
        timed(check, env)
        first_bytes = relay.take()
        timed(check, env)
        unchanged_bytes = relay.take()
        floor = [timed([sys.executable, "-c", "import requests"], env) for _ in range(runs)]
        checks = [timed(check, env) for _ in range(runs)]
    floor_ms, check_ms = statistics.median(floor) * 1000, statistics.median(checks) * 1000
    print(f"runs: {runs} each, medians")
    print(f"floor  python -c 'import requests': {floor_ms:7.1f} ms")
    ratio = check_ms / floor_ms
    print(f"check --json (304 path)           : {check_ms:7.1f} ms  ({ratio:.2f}x floor)")
    print(f"bytes on the wire, first check (200): {first_bytes}")
    print(f"bytes on the wire, unchanged (304)  : {unchanged_bytes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
