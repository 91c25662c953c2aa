"""Issue 16, every failure is a sentence: one test per exit code of the README's table (0, 3,
4 and 5 have their tests in test_cli.py), a bad option exits 2 before anything runs, a damaged
decision log exits 6, a read-only or full target folder exits 7 with one line and writes
nothing, the trace is printed only with --verbose, and a killed run's hidden folder is removed
by the next run.

Read-only and full folders are real: the command runs in its own process, without root's
power to write anywhere (when the tests run as root, its capabilities to override file
permissions are dropped), or with a file-size limit (``RLIMIT_FSIZE``: the system refuses the
write as a full disk would).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.review.log import log_path
from engine.review.log_file import WRITERS_LOCK, journal
from engine.review.rules import Request
from tests.factory import NIGHT, host, make_campaign, visitor
from tests.logs import kill_a_writer, record

runner = CliRunner()
ROOT = Path(__file__).parents[3]
PR_CAPBSET_DROP = 24  # prctl: drop a capability from the bounding set (kept after exec)
OVERRIDES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A folder for the tests that take write permissions away (given back at the end)."""
    yield tmp_path
    for path in tmp_path.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("failures") / "campaign"
    make_campaign(
        folder,
        [visitor("V1"), visitor("V2", country="IT"), host("H1", capacity=2), host("H2")],
    )
    return folder


def run_args(campaign: Path, out: Path) -> list[str]:
    return ["run", str(campaign), "--out", str(out), "--as-of", str(NIGHT), "--time-limit", "2"]


def cli(args: list[str], preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    """The cxmatch command in a process of its own."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MPLCONFIGDIR": tempfile.gettempdir(),
        "HOME": tempfile.gettempdir(),
    }
    return subprocess.run(
        [sys.executable, "-m", "engine.cli.main", *args],
        capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), preexec_fn=preexec,
    )  # fmt: skip


def without_root_overrides() -> None:
    """File permissions bind the process even when it runs as root: root keeps its user id
    but loses the capabilities that override them."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in OVERRIDES:
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def with_small_files() -> None:
    """Files of at most 4 KiB: a longer write fails as on a full disk (EFBIG, not a signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def one_sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    return lines[-1]


# --- 1: internal error, the trace only with --verbose --------------------------------------


def test_internal_error_is_one_line_and_the_trace_only_with_verbose(monkeypatch, tmp_path):
    import engine.load.campaign

    def bug(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine.load.campaign, "read_campaign", bug)
    quiet = runner.invoke(app, ["validate", str(tmp_path)])
    assert quiet.exit_code == exitcodes.INTERNAL_ERROR
    assert quiet.exception is None or isinstance(quiet.exception, SystemExit)
    assert quiet.output.strip() == (
        "internal error (a bug, please report it): ZeroDivisionError: division by zero "
        "(run again with --verbose for the trace)"
    )
    verbose = runner.invoke(app, ["--verbose", "validate", str(tmp_path)])
    assert verbose.exit_code == exitcodes.INTERNAL_ERROR
    assert "Traceback" in verbose.output and "ZeroDivisionError" in verbose.output


# --- 2: options typed on the command line -------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--time-limit", "nan", "--time-limit must be a positive number, not nan"),
        ("--time-limit", "-1", "--time-limit must be a positive number, not -1.0"),
        ("--time-limit", "1e300", "--time-limit must be at most 86400, not 1e+300"),
        ("--workers", "-1", "--workers must be between 1 and 64, not -1"),
        ("--workers", "0", "--workers must be between 1 and 64, not 0"),
        ("--top-k", "0", "--top-k must be between 1 and 10,000, not 0"),
        ("--seed", "-5", "--seed must be between 0 and 2,147,483,647, not -5"),
        ("--seed", str(2**40), "--seed must be between 0 and 2,147,483,647"),
        ("--as-of", "2027-W18-4", "--as-of '2027-W18-4' is not a date (YYYY-MM-DD, DD/MM"),
        ("--as-of", "9999-12-31", "--as-of 9999-12-31 is outside the plausible dates"),
    ],
)
def test_a_bad_run_option_exits_2_before_anything_runs(campaign, tmp_path, option, value, message):
    out = tmp_path / "run"
    args = ["run", str(campaign), "--out", str(out), option, value]
    result = runner.invoke(app, args)
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_out_under_a_regular_file_exits_2(campaign, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["run", str(campaign), "--out", str(tmp_path / "notes.txt" / "r")])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "args",
    [
        ["nightly", "CAMPAIGN", "--workers", "-1"],
        ["nightly", "CAMPAIGN", "--time-limit", "inf"],
        ["nightly", "CAMPAIGN", "--night", "20270506"],
        ["nightly", "OUT"],  # a campaign that is not there (the audit: exit 1 on its lock)
        ["generate", "--out", "OUT", "--visitors", "-3"],
        ["train", "CAMPAIGN", "--out", "OUT", "--seed", "-1"],
        ["sweep", "x.toml", "--seeds", "0"],
    ],
)
def test_bad_options_of_other_commands_exit_2(campaign, tmp_path, args):
    args = [
        str(campaign) if a == "CAMPAIGN" else str(tmp_path / "o") if a == "OUT" else a for a in args
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists() and not (campaign / "runs").exists()


def test_decided_on_is_bounded_by_the_campaigns_own_plausible_dates(campaign, tmp_path):
    folder = tmp_path / "campaign"
    shutil.copytree(campaign, folder)
    (folder / "policy.toml").write_text(
        'earliest_date = "2026-01-01"\nlatest_date = "2027-12-31"\n'
    )
    run = folder / "runs" / "run"
    assert runner.invoke(app, run_args(folder, run)).exit_code == exitcodes.OK
    answers = tmp_path / "answers.csv"
    answers.write_text("visitor_id,host_id,decision,decided_on\nV1,H1,rejected,2028-01-05\n")
    result = runner.invoke(app, ["decide", str(run), str(answers)])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert (
        "answers.csv row 2, column decided_on: '2028-01-05' is outside the plausible dates "
        "2026-01-01..2027-12-31"
    ) in result.output
    assert not log_path(folder).exists()


# --- 6: a decision log that cannot be trusted ----------------------------------------------


@pytest.mark.parametrize("content", [b"", b"garbage" * 100], ids=["0 bytes", "garbage"])
def test_a_damaged_log_stops_run_nightly_and_decide_with_exit_6(campaign, tmp_path, content):
    """A 0-byte log was read as no decisions (exit 0, rejected pairs proposed again); a
    garbage one exited 1 with a trace."""
    folder = tmp_path / "campaign"
    shutil.copytree(campaign, folder)
    run = folder / "runs" / "first"
    assert runner.invoke(app, run_args(folder, run)).exit_code == exitcodes.OK
    log_path(folder).write_bytes(content)
    (tmp_path / "answers.csv").write_text("visitor_id,host_id,decision\nV1,H1,rejected\n")
    commands = [
        run_args(folder, folder / "runs" / "second"),
        ["nightly", str(folder), "--night", str(NIGHT), "--time-limit", "2"],
        ["decide", str(run), str(tmp_path / "answers.csv")],
    ]
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == exitcodes.LOG_DAMAGED, (args, result.output)
        assert "Traceback" not in result.output
        assert f"the decision log {log_path(folder)}" in result.output
        assert "cxmatch log restore" in result.output
    assert log_path(folder).read_bytes() == content
    assert sorted(p.name for p in (folder / "runs").iterdir()) == ["first"]


def test_an_unfinished_write_is_rolled_back_or_reported_in_a_read_only_campaign(campaign, shared):
    """A killed decide's journal made run and nightly fail ("attempt to write a readonly
    database") until another decide ran."""
    folder = shared / "campaign"
    shutil.copytree(campaign, folder)
    record(folder, Request("V1", "H1", "rejected"))
    kill_a_writer(log_path(folder))
    folder.chmod(0o555)
    refused = cli(run_args(folder, shared / "run"), preexec=without_root_overrides)
    assert refused.returncode == exitcodes.LOG_DAMAGED, refused.stderr
    assert "has an unfinished write (decisions.sqlite-journal" in one_sentence(refused.stderr)
    folder.chmod(0o755)
    result = cli(run_args(folder, shared / "run"))
    assert result.returncode == exitcodes.OK, result.stderr
    assert not journal(log_path(folder)).exists()
    proposed = pd.read_csv(shared / "run" / "proposals.csv")
    assert ("V1", "H1") not in set(zip(proposed["visitor_id"], proposed["host_id"], strict=True))


def test_the_readme_lists_every_exit_code():
    """The README's table and engine/cli/exitcodes.py name the same codes (each has its test
    here or in test_cli.py)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = [int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)]
    codes = sorted(v for k, v in vars(exitcodes).items() if k.isupper() and isinstance(v, int))
    assert listed == codes == [*range(8), exitcodes.INTERRUPTED]


# --- 7: a folder that cannot be written ---------------------------------------------------


def test_a_read_only_target_folder_exits_7_with_one_sentence(campaign, shared):
    target = shared / "read-only"
    target.mkdir()
    target.chmod(0o555)
    result = cli(run_args(campaign, target / "run"), preexec=without_root_overrides)
    assert result.returncode == exitcodes.CANNOT_WRITE, result.stderr
    assert one_sentence(result.stderr) == (
        f"cannot write {target}: permission denied (the folder is read-only for this user); "
        "nothing was written"
    )
    assert list(target.iterdir()) == []


def test_a_read_only_campaign_with_a_log_exits_7_before_its_run_is_written(campaign, shared):
    """The failures audit: with --out elsewhere, the run was written whole, and then the
    campaign's read-only folder refused the record that it read the log (exit 7, a run kept
    that the log never knew)."""
    folder = shared / "read-only-campaign"
    shutil.copytree(campaign, folder)
    record(folder, Request("V1", "H1", "hold"))
    folder.chmod(0o555)
    out = shared / "elsewhere"
    try:
        result = cli(run_args(folder, out), preexec=without_root_overrides)
    finally:
        folder.chmod(0o755)
    assert result.returncode == exitcodes.CANNOT_WRITE, result.stderr
    assert not out.exists()


@pytest.mark.parametrize("name", ["decisions.sqlite", "profiles.parquet", "inbox/run"])
def test_a_run_inside_the_campaign_but_outside_its_runs_is_refused(campaign, shared, name):
    """The failures audit: --out CAMPAIGN/decisions.sqlite wrote a run folder under the log's
    name, and every later command refused the campaign (exit 6)."""
    folder = shared / f"campaign-{name.replace('/', '-')}"
    shutil.copytree(campaign, folder)
    result = cli(run_args(folder, folder / name))
    assert result.returncode == exitcodes.BAD_INPUT, result.stderr
    assert "is inside the campaign folder" in one_sentence(result.stderr)
    assert not (folder / name).exists()
    assert cli(["validate", str(folder)]).returncode == exitcodes.OK


def test_a_full_target_folder_exits_7_and_leaves_nothing(campaign, shared):
    target = shared / "full"
    target.mkdir()
    result = cli(run_args(campaign, target / "run"), preexec=with_small_files)
    assert result.returncode == exitcodes.CANNOT_WRITE, result.stderr
    assert one_sentence(result.stderr).startswith("cannot write")
    assert "full or limited disk" in result.stderr
    assert list(target.iterdir()) == []  # no run, no hidden .tmp-* folder


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc file system here")
@pytest.mark.parametrize("command", ["run", "generate"])
def test_a_folder_no_file_can_be_made_in_exits_7_before_any_work(campaign, command):
    """/proc lets root past its permission bits but makes no file: asked of the file system,
    not of the bits (it was an internal error after the night, exit 1)."""
    args = {
        "run": run_args(campaign, Path("/proc/cxmatch-run")),
        "generate": ["generate", "--visitors", "20", "--hosts", "5", "--out", "/proc/cxmatch"],
    }[command]
    result = cli(args)
    assert result.returncode == exitcodes.CANNOT_WRITE, result.stderr
    assert one_sentence(result.stderr).startswith("cannot write /proc: ")
    assert one_sentence(result.stderr).endswith("; nothing was written")
    assert "Traceback" not in result.stderr


def test_a_read_only_campaign_refuses_nightly_and_decide_with_exit_7(campaign, shared):
    folder = shared / "read-only-campaign"
    shutil.copytree(campaign, folder)
    run = shared / "a-run"
    assert cli(run_args(folder, run)).returncode == exitcodes.OK
    (shared / "answers.csv").write_text("visitor_id,host_id,decision\n")
    (shared / "answers.csv").chmod(0o644)
    folder.chmod(0o555)
    night = cli(["nightly", str(folder), "--night", str(NIGHT)], preexec=without_root_overrides)
    assert night.returncode == exitcodes.CANNOT_WRITE, night.stderr
    assert one_sentence(night.stderr).startswith(f"cannot write {folder}: permission denied")
    decide = cli(
        ["decide", str(run), str(shared / "answers.csv"), "--campaign", str(folder)],
        preexec=without_root_overrides,
    )
    assert decide.returncode == exitcodes.CANNOT_WRITE, decide.stderr
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        path.name for path in campaign.iterdir()
    )


def test_a_writers_lock_another_user_made_is_taken_read_only(campaign, shared):
    """The review app and the nightly may run as two users of one group: the writers' lock
    file one made (read-only for the other) still locks, and the answers are recorded."""
    folder = shared / "two-users"
    shutil.copytree(campaign, folder)
    run = shared / "run-of-two"
    assert cli(run_args(folder, run)).returncode == exitcodes.OK
    first = pd.read_csv(run / "proposals.csv").iloc[0]
    answers = shared / "two-users-answers.csv"
    answers.write_text(f"visitor_id,host_id,decision\n{first.visitor_id},{first.host_id},hold\n")
    lock = folder / WRITERS_LOCK
    lock.touch()
    lock.chmod(0o444)
    result = cli(
        ["decide", str(run), str(answers), "--campaign", str(folder)],
        preexec=without_root_overrides,
    )
    assert result.returncode == exitcodes.OK, result.stderr
    assert "1 row recorded" in result.stdout


# --- a killed run's hidden folder ---------------------------------------------------------

KILLED_WHILE_WRITING = textwrap.dedent(
    """
    import os, signal, sys
    import engine.output.run_folder as run_folder
    write_csv = run_folder._csv

    def write_then_die(*args, **kwargs):
        write_csv(*args, **kwargs)  # a file written in the hidden folder ...
        os.kill(os.getpid(), signal.SIGKILL)  # ... and the run dies before the rename

    run_folder._csv = write_then_die
    from engine.cli.main import app
    app(sys.argv[1:])
    """
)


INTERRUPTED_WHILE_WRITING = KILLED_WHILE_WRITING.replace(
    "os.kill(os.getpid(), signal.SIGKILL)", "os.kill(os.getpid(), signal.SIGINT)"
)


def run_script(script: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    """``cxmatch ARGS`` in a process of its own, after ``script`` patched it."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=with_ctrl_c,
    )  # fmt: skip


def with_ctrl_c() -> None:
    """SIGINT as a terminal gives it: a process started with it ignored (as a test runner's
    worker may be) keeps it ignored, and Python installs no handler for it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_is_one_sentence_and_keeps_no_partial_run(campaign, tmp_path):
    """The audit: an interrupted run exited 130 without a word (Typer's silent Exit)."""
    runs = tmp_path / "runs"
    stopped = run_script(INTERRUPTED_WHILE_WRITING, run_args(campaign, runs / "stopped"))
    assert stopped.returncode == exitcodes.INTERRUPTED, stopped.stderr
    assert stopped.stderr.strip().startswith("interrupted (Ctrl+C)")
    assert "Traceback" not in stopped.stderr
    assert not runs.exists() or list(runs.iterdir()) == []


def test_a_killed_runs_hidden_folder_is_removed_by_the_next_run(campaign, tmp_path):
    runs = tmp_path / "runs"
    killed = run_script(KILLED_WHILE_WRITING, run_args(campaign, runs / "killed"))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (left,) = runs.iterdir()
    assert left.name.startswith(".tmp-killed-")
    busy = runs / ".tmp-busy-abc"  # a run still writing: its lock is held
    busy.mkdir()
    with open(busy / ".lock", "wb") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        result = runner.invoke(app, run_args(campaign, runs / "next"))
        assert result.exit_code == exitcodes.OK, result.output
        assert sorted(path.name for path in runs.iterdir()) == [".tmp-busy-abc", "next"]


FILE_DATES = "YYYY-MM-DD, DD/MM/YYYY or 'August 10th, 2021'"


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("V1,H1,rejected,0001-01-01,", "decided_on", "is outside the plausible dates"),
        ("V1,H1,rejected,9999-12-31,", "decided_on", "is outside the plausible dates"),
        ("V1,H1,rejected,2027-W18-4,", "decided_on", f"is not a date ({FILE_DATES})"),
        ("V1,H1,rejected,20270506,", "decided_on", f"is not a date ({FILE_DATES})"),
        # a file's dates are read in a campaign file's formats: its message says them (the
        # IT-tool audit: "'03/31/2027' is not a date (YYYY-MM-DD)" where 31/03/2027 is read)
        ("V1,H1,rejected,03/31/2027,", "decided_on", f"is not a date ({FILE_DATES})"),
        ("V1,H1,rejected,,20270101T000000Z", "run_id", "names no run of this campaign"),
    ],
)
def test_decide_refuses_what_would_poison_the_log(campaign, tmp_path, cells, column, message):
    """A date the log's readers cannot read back made every later run exit 1; a run_id was
    ignored. Both are refused at the boundary, with the row and column, and nothing recorded."""
    folder = tmp_path / "campaign"
    shutil.copytree(campaign, folder)
    run = folder / "runs" / "run"
    assert runner.invoke(app, run_args(folder, run)).exit_code == exitcodes.OK
    answers = tmp_path / "answers.csv"
    answers.write_text(f"visitor_id,host_id,decision,decided_on,run_id\n{cells}\n")
    result = runner.invoke(app, ["decide", str(run), str(answers)])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert f"answers.csv row 2, column {column}:" in result.output and message in result.output
    assert "Traceback" not in result.output
    after = runner.invoke(app, run_args(folder, folder / "runs" / "next"))
    assert after.exit_code == exitcodes.OK, after.output  # the campaign still runs


def test_a_reader_that_stops_early_is_no_error(campaign, tmp_path):
    """``cxmatch validate CAMPAIGN | head -1`` (the audit: "internal error ... BrokenPipeError",
    exit 1): output its reader no longer takes is dropped, the command ends as it would; a run
    whose output nobody reads is written whole."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": tempfile.gettempdir()}
    out = tmp_path / "run"
    for args in (["validate", str(campaign)], run_args(campaign, out)):
        process = subprocess.Popen(
            [sys.executable, "-m", "engine.cli.main", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir(),
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the first line
        error = process.stderr.read().decode()
        assert process.wait() == 0, error
        assert "internal error" not in error and "BrokenPipe" not in error
    assert (out / "proposals.csv").is_file()
