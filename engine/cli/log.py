"""``cxmatch log check|backup|restore``: verify, back up and restore a campaign's decision log
(README "When the decision log is refused")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import BadOption, app, out_folder, setup_logging, writable
from engine.cli.help_text import HelpGroup

log_app = typer.Typer(
    cls=HelpGroup,
    no_args_is_help=True,
    help="Verify, back up and restore a campaign's decision log (decisions.sqlite).",
)
app.add_typer(log_app, name="log")

Campaign = Annotated[Path, typer.Argument(help="campaign folder (it holds decisions.sqlite)")]


def _campaign(folder: Path) -> Path:
    if not folder.is_dir():
        raise BadOption(f"{folder} is not a campaign folder")
    return folder


@log_app.command("check")
def check(campaign: Campaign) -> None:
    """Verify the log: a file, not empty, SQLite's integrity and foreign-key checks, a known
    schema version, no value the schema refuses. Rolls back a write left unfinished (a killed
    decide). Exit 0 when it is sound, 6 when it is damaged (what to do is said)."""
    from engine.review.log import log_path
    from engine.review.log_backup import check_log

    setup_logging(False)
    typer.echo(str(check_log(log_path(_campaign(campaign)))))


@log_app.command("backup")
def backup(
    campaign: Campaign,
    out: Annotated[
        Path | None,
        typer.Option(
            help="backup file to create (default CAMPAIGN/backups/decisions-<UTC>.sqlite)"
        ),
    ] = None,
) -> None:
    """Copy the verified log with SQLite's backup API (safe while others write), verify the
    copy, then rename it into place. Never overwrites a file (exit 5)."""
    from engine.review.log import log_path
    from engine.review.log_backup import backup_log, default_backup

    setup_logging(False)
    folder = _campaign(campaign)
    out_folder("--out", out)
    target = out if out is not None else default_backup(folder)
    writable(target.parent)
    summary = backup_log(log_path(folder), target)
    typer.echo(f"{summary}\nbackup -> {target}")


@log_app.command("restore")
def restore(
    campaign: Campaign,
    backup: Annotated[Path, typer.Argument(help="a backup made by cxmatch log backup")],
) -> None:
    """Replace the log by a backup, verified first (a damaged backup is refused, exit 6, and
    nothing changes). One rename: readers see the old log or the restored one. The replaced
    log is kept in CAMPAIGN/backups/. Stop the review app and decide imports first."""
    from engine.review.log import log_path
    from engine.review.log_backup import restore_log

    setup_logging(False)
    folder = _campaign(campaign)
    if not (backup.is_file() or backup.is_symlink()):
        raise BadOption(f"{backup} is not a file")
    writable(folder)
    summary, kept = restore_log(log_path(folder), backup)
    typer.echo(f"restored {backup} -> {summary}")
    if kept is not None:
        typer.echo(f"the replaced log is kept as {kept}")
