"""A sweep's failures in one sentence (the scenarios' audit): a scheduler address that is no
address (exit 2, not an internal error), a peer that is no Dask scheduler (it answers
nothing, or something else: exit 2 in bounded time, not a 12-minute wait or a MemoryError),
and a Ctrl+C while the local cluster works (one sentence, exit 130: not 36 to 83 lines of
the workers' tracebacks and Dask's warnings)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

import scenarios.cluster as cluster
from engine.cli import exitcodes
from engine.cli.main import app
from tests.engine.cli.test_failures import with_ctrl_c
from tests.scenarios.conftest import tiny_scenarios

runner = CliRunner()


@pytest.mark.parametrize("address", ["nonsense", "tcp://host", "tcp://host:0", "http://h:80"])
def test_a_scheduler_address_that_is_no_address_exits_2(tmp_path, address):
    paths = tiny_scenarios(tmp_path / "in")
    out = tmp_path / "sweep"
    result = runner.invoke(
        app, ["sweep", *map(str, paths), "--scheduler", address, "--out", str(out)]
    )
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    text = " ".join(result.output.split())
    assert f"--scheduler {address!r} is not a Dask scheduler's address" in text
    assert "internal error" not in text and not out.exists()


@pytest.mark.parametrize(
    "address",
    ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://[::1]:8786", "tcp://[fe80::1%eth0]:8786",
     "tcp://sched-1.example.org:8786", "ws://h:8786", "wss://h:443", "ucx://10.0.0.5:13337"],
)  # fmt: skip
def test_the_addresses_dask_reads_are_taken(address):
    from engine.cli.scenarios import _scheduler_address

    _scheduler_address(address)  # no BadOption


def _peer(reply: bytes | None) -> tuple[socket.socket, str]:
    """A TCP server on a free port that takes a connection and sends ``reply`` (None:
    nothing, ever), as an HTTP server or another service named by mistake would."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)
            if reply is not None:
                connection.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize("reply", [None, b"\xff" * 64], ids=["silent", "another protocol"])
def test_a_peer_that_is_no_dask_scheduler_is_said_in_bounded_time(monkeypatch, reply):
    monkeypatch.setattr(cluster, "CONNECT_S", 2)
    server, address = _peer(reply)
    try:
        unreachable = pytest.raises(cluster.SchedulerUnreachable, match="no Dask scheduler")
        with unreachable, cluster.dask_client(address, None):
            pass
    finally:
        server.close()


@pytest.mark.slow
def test_ctrl_c_during_a_local_dask_sweep_is_one_sentence(tmp_path):
    """Ctrl+C reaches every process of the terminal (the process group here): the sweep says
    one sentence and exits 130, keeps no half-written folder, and leaves no worker behind."""
    paths = tiny_scenarios(tmp_path / "in")
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "engine.cli.main", "sweep", *map(str, paths),
               "--seeds", "6", "--workers", "2", "--out", str(out)]  # fmt: skip
    sweep = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()}, preexec_fn=with_ctrl_c,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    workers = []
    while time.monotonic() < deadline and len(workers) < 2:  # the cluster's workers are up
        time.sleep(0.5)
        listed = subprocess.run(["pgrep", "-s", str(sweep.pid)], capture_output=True, text=True)
        workers = [pid for pid in listed.stdout.split() if int(pid) != sweep.pid]
    assert sweep.poll() is None and len(workers) >= 2, "the sweep ended before its workers rose"
    time.sleep(6)  # their tasks running
    assert sweep.poll() is None, "the sweep ended before it was interrupted"
    os.killpg(sweep.pid, signal.SIGINT)
    _, error = sweep.communicate(timeout=120)
    said = error.decode().strip().splitlines()
    assert sweep.returncode == exitcodes.INTERRUPTED, said
    assert len(said) == 1 and said[0].startswith("interrupted (Ctrl+C)"), said
    assert "each seed finished is kept whole" in said[0] and "decision log" not in said[0]
    left = ["?"]
    for _ in range(60):  # the workers stop as the sweep stops them (bounded)
        listed = subprocess.run(
            ["pgrep", "-a", "-s", str(sweep.pid)], capture_output=True, text=True
        )
        left = listed.stdout.splitlines()
        if not left:
            break
        time.sleep(0.5)
    assert left == []
