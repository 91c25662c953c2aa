"""The ``cxmatch`` command line: the Typer app, the terminal, and the one place that maps a
failure to an exit code (:func:`exit_code`). Only ``engine.cli`` configures logging and talks
to the terminal; the commands live in ``engine/cli/*.py`` and register on :data:`app`.

Every failure is a sentence: a command raises what went wrong (an invalid campaign, a bad
option, a damaged decision log, a read-only folder, ...) and :class:`Commands` turns it into
its message and exit code; the trace is printed only with ``--verbose`` (before or after the
command's name). Options a person types are checked here too (:func:`positive`,
:func:`whole`, :func:`night_date`, :func:`out_folder`): a bad one exits 2 before anything runs.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli import exitcodes
from engine.cli.help_text import HelpGroup
from engine.domain.contract import Campaign, Policy
from engine.domain.problems import CampaignInvalid

log = logging.getLogger("cxmatch")
VERBOSE = {"on": False}  # --verbose given (before or after the command)
# options a person types: the bounds a run accepts (README "Exit codes")
MAX_TIME_LIMIT_S = 86_400.0  # a day
MAX_WORKERS = 64
MAX_TOP_K = 10_000
MAX_SEED = 2**31 - 1  # CP-SAT's random seed is a 32-bit integer
MAX_PROFILES = 1_000_000  # profiles cxmatch generate writes per side
# --pace: run and nightly (engine.cli.pace)
PACE_OPTION = typer.Option(
    help="seconds this machine takes for one of the time plan's (its reference machine's); "
    "default: measured once a boot, or CXMATCH_PACE. A run's manifest has it (options.pace): "
    "the same pace, inputs, seed and workers give the same work budget on any machine",
)
MAX_NAME_BYTES = 255  # a file name, on every common file system
# the errors of a file system that refuses a write (or a read): read-only, full, not permitted
FILE_SYSTEM_REFUSALS = {
    errno.EACCES: "permission denied (the folder is read-only for this user)",
    errno.EPERM: "not permitted (the folder is read-only for this user)",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than the system allows (a full or limited disk)",
}


class BadOption(Exception):
    """An option or argument typed on the command line is invalid (exit 2)."""


class PartlyRefused(Exception):
    """The command did its work but refused some input, listed before (exit 2)."""


class SomeRunsFailed(Exception):
    """Some runs of a sweep failed (exit 1); the others finished."""


# options that name a file or folder: an empty one is refused (exit 2), not read as the
# current folder (the failures audit: `--out ""` exited 5, ". exists already")
PATH_OPTIONS = ("--out", "--runs", "--campaign", "--model")


def empty_paths(args: list[str]) -> list[str]:
    """The path options among a command's typed ``args`` given an empty value."""
    found = []
    for i, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name not in PATH_OPTIONS:
            continue
        given = value if equals else (args[i + 1] if i + 1 < len(args) else None)
        if given is not None and not given.strip():
            found.append(name)
    return found


# what an interrupted command kept, by command (the scenarios' audit: a sweep's sentence spoke
# of the decision log)
INTERRUPTED_RUN = (
    "a run folder being written is not kept, the decision log keeps whole imports only; "
    "earlier runs are as they were"
)
INTERRUPTED_KEPT = {
    "sweep": "each seed finished is kept whole, the ones under way are not (run the same "
    "sweep again to go on)",
    "simulate": "the simulation folder being written is not kept",
    "compare": "the comparison being written is not kept",
}


class Commands(HelpGroup):
    """The command group: a command's failure becomes its message and exit code."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        empty = empty_paths(args[1:])
        if empty:
            raise BadOption("; ".join(f"{name} is empty: name a file or folder" for name in empty))
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta["cxmatch.command"] = name  # what a Ctrl+C interrupted (``invoke``)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, exits
            raise
        except KeyboardInterrupt:  # Ctrl+C: a sentence too (a folder being written is removed)
            kept = INTERRUPTED_KEPT.get(ctx.meta.get("cxmatch.command", ""), INTERRUPTED_RUN)
            typer.secho(f"interrupted (Ctrl+C): {kept}", err=True, fg=typer.colors.RED)
            raise typer.Exit(exitcodes.INTERRUPTED) from None
        except Exception as error:  # every failure is a sentence, never a traceback
            raise refuse(error) from None


app = typer.Typer(
    cls=Commands,
    add_completion=False,
    no_args_is_help=True,
    help="cxmatch: optimisation-driven batch matchmaking for ClusterXchange.",
)


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="print the trace of a failure")
    ] = False,
) -> None:
    VERBOSE["on"] = verbose


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def setup_logging(verbose: bool) -> None:
    VERBOSE["on"] = VERBOSE["on"] or verbose
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


class Progress:
    """Stage lines with elapsed time on a terminal; silent in CI and pipes."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            typer.secho(f"[{elapsed:6.1f}s] {message}", err=True, fg=typer.colors.CYAN)


def fail(code: int, message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def exit_code(error: BaseException) -> int:
    """The exit code of a failure (README "Exit codes"): every refusal the engine raises."""
    from engine.cli.pace import BadPace
    from engine.output.folders import RunUnreadable
    from engine.output.model_files import ModelInvalid
    from engine.output.store import OutputExists
    from engine.review.checked_night import NO_ASSIGNMENT, NightRefused
    from engine.review.log import DecisionsInvalid
    from engine.review.log_file import LogBusy, LogDamaged
    from scenarios.cluster import SchedulerUnreachable
    from scenarios.compare import NotComparable
    from scenarios.simulate import SimulationFailed
    from scenarios.spec import ScenarioInvalid

    if isinstance(error, NightRefused | SimulationFailed):
        if error.reason == NO_ASSIGNMENT:
            return exitcodes.NO_SOLUTION
        return exitcodes.RULES_BROKEN if error.reason else exitcodes.INTERNAL_ERROR
    if isinstance(error, OutputExists):
        return exitcodes.OUTPUT_EXISTS
    if isinstance(error, LogDamaged):
        return exitcodes.LOG_DAMAGED
    if isinstance(
        error,
        CampaignInvalid
        | DecisionsInvalid
        | ScenarioInvalid
        | RunUnreadable
        | ModelInvalid
        | NotComparable
        | BadOption
        | BadPace
        | PartlyRefused
        | SchedulerUnreachable,
    ):
        return exitcodes.BAD_INPUT
    if isinstance(error, OSError) and error.errno in FILE_SYSTEM_REFUSALS:
        return exitcodes.CANNOT_WRITE
    if isinstance(error, FolderRefusesFiles | LogBusy):
        return exitcodes.CANNOT_WRITE
    if isinstance(error, sqlite3.OperationalError) and _refused_by_disk(error):
        return exitcodes.CANNOT_WRITE
    return exitcodes.INTERNAL_ERROR


def _refused_by_disk(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return any(
        words in text
        for words in ("readonly database", "disk is full", "unable to open", "disk i/o error")
    )


def message(error: BaseException) -> str:
    """The sentence for a failure: its own message, or what a refusing file system said."""
    code = exit_code(error)
    if isinstance(error, OSError) and code == exitcodes.CANNOT_WRITE:
        where = f" {error.filename}" if error.filename else ""
        reason = FILE_SYSTEM_REFUSALS.get(error.errno or 0, error.strerror)
        return f"cannot write{where}: {reason}; nothing was written"
    from engine.review.log_file import LogBusy

    if isinstance(error, LogBusy):
        return f"cannot replace the decision log now: {error}"
    if code == exitcodes.CANNOT_WRITE:
        return f"cannot write the decision log: {error}; nothing was changed there"
    if code == exitcodes.INTERNAL_ERROR and not isinstance(error, SomeRunsFailed):
        first = str(error).splitlines()[0] if str(error) else ""
        return f"internal error (a bug, please report it): {type(error).__name__}: {first}" + (
            "" if VERBOSE["on"] else " (run again with --verbose for the trace)"
        )
    from scenarios.simulate import SimulationFailed

    if isinstance(error, SimulationFailed):
        return f"simulation failed: {error}"
    return str(error)


def refuse(error: BaseException, prefix: str = "") -> typer.Exit:
    """The exit for a failure: its message in red, its documented exit code; the trace only
    with --verbose."""
    if VERBOSE["on"]:
        traceback.print_exception(error, file=sys.stderr)
    return fail(exit_code(error), f"{prefix}{message(error)}")


# --- options a person types ----------------------------------------------------------------


def every_option(*checks: Callable[[], Any]) -> list[Any]:
    """Run every check of the options a person typed (each a call that returns a value or
    raises :class:`BadOption`, or a bad ``--pace``): their values, or one refusal (exit 2)
    listing every problem at once."""
    from engine.cli.pace import BadPace

    values: list[Any] = []
    problems: list[str] = []
    for check in checks:
        try:
            values.append(check())
        except (BadOption, BadPace) as bad:
            problems.append(str(bad))
            values.append(None)
    if problems:
        raise BadOption("\n".join(problems))
    return values


def positive(name: str, value: float, most: float | None = None) -> None:
    """Refuse (exit 2) a budget or count that is not a positive finite number (at most
    ``most``)."""
    if not (math.isfinite(value) and value > 0):
        raise BadOption(f"{name} must be a positive number, not {value}")
    if most is not None and value > most:
        raise BadOption(f"{name} must be at most {most:g}, not {value:g}")


def one_of(name: str, value: str, words: tuple[str, ...]) -> None:
    """Refuse (exit 2) a word that is none of ``words``."""
    if value not in words:
        raise BadOption(f"{name} must be {' or '.join(words)}, not {value!r}")


def whole(name: str, value: int | None, least: int, most: int) -> None:
    """Refuse (exit 2) a whole number outside ``least..most`` (None: not given)."""
    if value is not None and not least <= value <= most:
        raise BadOption(f"{name} must be between {least:,} and {most:,}, not {value:,}")


def night_date(name: str, text: str | None, policy: Policy | None = None) -> date | None:
    """A night's date typed on the command line (in any of the campaign files' formats:
    YYYY-MM-DD, DD/MM/YYYY, '10 August 2021', ...; within the plausible dates of the policy,
    by default 2000-01-01..2099-12-31), or exit 2."""
    from engine.load.cells import DATE_WORDS, campaign_day

    if text is None:
        return None
    policy = policy or Policy()
    day = campaign_day(text)
    if day is None:
        raise BadOption(f"{name} {text!r} is not a date ({DATE_WORDS})")
    if not policy.plausible(day):
        raise BadOption(
            f"{name} {text} is outside the plausible dates "
            f"{policy.earliest_date}..{policy.latest_date}"
        )
    return day


def out_folder(name: str, path: Path | None) -> None:
    """Refuse (exit 2) an output path under something that is not a folder (a regular file),
    or with a name the file system cannot hold; (exit 7) one whose folder cannot be written."""
    if path is None:
        return
    if "\x00" in str(path):
        raise BadOption(f"{name} {str(path)!r}: a path holds no NUL character")
    for part in Path(path).parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise BadOption(
                f"{name}: a name is longer than {MAX_NAME_BYTES} bytes ({part[:40]}...)"
            )
    for parent in Path(path).absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise BadOption(f"{name} {path}: {parent} is a file, not a folder")
            break
        if parent.is_symlink():
            raise BadOption(f"{name} {path}: {parent} is a link to nothing")
    writable(Path(path).absolute().parent)


def resumable_folder(name: str, path: Path | None) -> None:
    """Refuse (exit 2) an output folder that exists as something else than a folder (a
    sweep's folder may exist: its re-runs resume in it)."""
    if path is not None and (path.exists() or path.is_symlink()) and not path.is_dir():
        raise BadOption(f"{name} {path}: is a file, not a folder")


class FolderRefusesFiles(OSError):
    """A folder where no new file can be made, for a reason the file system gives that is not
    one of FILE_SYSTEM_REFUSALS (e.g. a pseudo file system such as /proc): exit 7."""


def writable(folder: Path) -> None:
    """Refuse (exit 7) before any work when ``folder`` (or the folder that would hold it)
    cannot be written: a read-only campaign or runs folder fails at once, not after a night.
    Asked of the file system itself (a file made and removed there), since the permission
    bits do not say it for every folder (root may write anywhere they allow)."""
    for place in (Path(folder).absolute(), *Path(folder).absolute().parents):
        if place.is_dir():
            if not os.access(place, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(place))
            try:
                handle, probe = tempfile.mkstemp(prefix=".cxmatch-probe-", dir=place)
                os.close(handle)
                os.unlink(probe)
            except OSError as error:
                if error.errno in FILE_SYSTEM_REFUSALS:  # named by the folder, not the probe
                    raise OSError(error.errno, error.strerror, str(place)) from error
                reason = f"no new file can be made there ({error.strerror or error})"
                raise FolderRefusesFiles(error.errno, reason, str(place)) from error
            return


def say_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)


def load_or_exit(campaign: Path | None) -> Campaign:
    from engine.load.campaign import load_campaign

    if campaign is None:
        from engine.synthetic.generator import demo_campaign_path

        campaign = demo_campaign_path()
    return load_campaign(campaign)
