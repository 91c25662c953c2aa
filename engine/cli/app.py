"""The ``cxmatch`` command line: the Typer app, the terminal, and the one place that maps a
failure to an exit code (:func:`exit_code`). Only ``engine.cli`` configures logging and talks
to the terminal; the commands live in ``engine/cli/*.py`` and register on :data:`app`."""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import time
from datetime import date
from pathlib import Path

import typer

from engine.cli import exitcodes
from engine.domain.contract import Campaign
from engine.domain.problems import CampaignInvalid

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="cxmatch: optimisation-driven batch matchmaking for ClusterXchange.",
)
log = logging.getLogger("cxmatch")


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def setup_logging(verbose: bool) -> None:
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
    from engine.output.folders import RunUnreadable
    from engine.output.model_files import ModelInvalid
    from engine.output.store import OutputExists
    from engine.review.checked_night import NO_ASSIGNMENT, NightRefused
    from engine.review.log import DecisionsInvalid
    from scenarios.compare import NotComparable
    from scenarios.simulate import SimulationFailed
    from scenarios.spec import ScenarioInvalid

    if isinstance(error, NightRefused | SimulationFailed):
        if error.reason == NO_ASSIGNMENT:
            return exitcodes.NO_SOLUTION
        return exitcodes.RULES_BROKEN if error.reason else exitcodes.INTERNAL_ERROR
    if isinstance(error, OutputExists):
        return exitcodes.OUTPUT_EXISTS
    if isinstance(
        error,
        CampaignInvalid
        | DecisionsInvalid
        | ScenarioInvalid
        | RunUnreadable
        | ModelInvalid
        | NotComparable,
    ):
        return exitcodes.BAD_INPUT
    return exitcodes.INTERNAL_ERROR


def refuse(error: BaseException, prefix: str = "") -> typer.Exit:
    """The exit for a known failure: its message in red, its documented exit code."""
    return fail(exit_code(error), f"{prefix}{error}")


def positive(name: str, value: float) -> None:
    """Refuse (exit 2) a budget or count that is not a positive finite number."""
    if not (math.isfinite(value) and value > 0):
        raise fail(exitcodes.BAD_INPUT, f"{name} must be a positive number, not {value}")


def night_date(name: str, text: str | None) -> date | None:
    """A night's date typed on the command line (YYYY-MM-DD), or exit 2."""
    if text is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is None:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise fail(exitcodes.BAD_INPUT, f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def load_or_exit(campaign: Path | None) -> Campaign:
    from engine.load.campaign import load_campaign

    if campaign is None:
        from engine.synthetic.generator import demo_campaign_path

        campaign = demo_campaign_path()
    folder = campaign
    try:
        return load_campaign(folder)
    except CampaignInvalid as invalid:
        raise refuse(invalid) from None
