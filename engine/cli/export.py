"""``cxmatch export``: a run's accepted exchanges in another tool's words (the CXC IT tool's)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import BadOption, app, out_folder, setup_logging
from engine.domain.counts import counted

FORMATS = ("it-tool",)


@app.command()
def export(
    run: Annotated[Path, typer.Argument(help="the run folder whose accepted exchanges to export")],
    fmt: Annotated[str, typer.Option("--format", help="it-tool: the CXC IT tool's words")] = (
        "it-tool"
    ),
    out: Annotated[
        Path | None, typer.Option(help="file to write (default: it-tool-<run id>.csv)")
    ] = None,
    campaign: Annotated[
        Path | None,
        typer.Option(
            help="campaign folder (default: the one whose runs/ holds RUN, else the one its "
            "manifest names)"
        ),
    ] = None,
) -> None:
    """Write the run's proposals that reviewers accepted (the campaign's decision log) in the
    IT tool's words, one row per exchange, for re-entry in the tool (columns: README)."""
    import pandas as pd

    from engine.load.campaign import load_campaign
    from engine.output.exports import write_csv
    from engine.output.folders import read_run
    from engine.output.it_tool import (
        accepted_exchanges,
        group_members,
        it_tool_table,
        with_taken,
    )
    from engine.output.store import OutputExists
    from engine.review.log import current_decisions, log_path, read_log, read_taken, with_decisions

    setup_logging(False)
    if fmt not in FORMATS:
        raise BadOption(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    out_folder("--out", out)
    answered = read_run(run)
    proposals = answered.proposals()
    folder = campaign or answered.campaign_folder
    if folder is None:
        raise BadOption(f"{run}: the manifest names no campaign; use --campaign")
    target = out if out is not None else Path(f"it-tool-{answered.run_id}.csv")
    _outside_runs(target)
    _not_a_campaign_file(target, Path(folder))
    if target.exists() or target.is_symlink():
        raise OutputExists(f"{target} exists already; choose another --out")
    loaded = load_campaign(folder)
    records = read_log(log_path(Path(folder)))
    decisions = current_decisions(records)
    taken = read_taken(log_path(Path(folder)))  # alternatives reviewers took as the run's
    proposals = with_taken(proposals, taken, answered.run_id)
    exchanges = accepted_exchanges(proposals, decisions, answered.run_id)
    ids = set(loaded.profiles["profile_id"].astype(str))
    known = exchanges["visitor_id"].astype(str).isin(ids) & exchanges["host_id"].isin(ids)
    for gone in exchanges[~known].to_dict("records"):
        typer.secho(
            f"warning: {gone['visitor_id']} -> {gone['host_id']} left out: a profile is no "
            "longer in the campaign",
            err=True,
            fg=typer.colors.YELLOW,
        )
    exchanges = exchanges[known]
    # the group's accepted members whichever run proposed them (the log's exchanges too)
    with_log = with_decisions(loaded, records)
    table = it_tool_table(exchanges, loaded, group_members(exchanges, with_log))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, target)
    groups = int(pd.Series(exchanges["group_id"]).nunique()) if len(exchanges) else 0
    said = f"{counted(len(table), 'accepted exchange')} ({counted(groups, 'group')})"
    typer.echo(f"{said} -> {target}")


def _outside_runs(target: Path) -> None:
    """Refuse (exit 2) an export written into a run folder: a run is never changed once
    written (the failures audit: ``--out RUN/x.csv`` added a file to the run)."""
    for folder in target.absolute().parents:
        if (folder / "manifest.json").is_file():
            raise BadOption(
                f"--out {target} is inside the run folder {folder}: a run is never changed; "
                "write the export elsewhere"
            )


def _not_a_campaign_file(target: Path, campaign: Path) -> None:
    """Refuse (exit 2) an export named like one of the campaign's own files in its folder
    (the hostile-input audit: ``--out quotas.csv`` in a campaign without quotas wrote a file
    every later command refused, "quotas.csv, column partnership: required column is
    missing"; ``History.csv`` would be refused as misnamed)."""
    from engine.load.campaign import READ_NAMES
    from engine.review.log import log_path
    from engine.web.access import access_path

    where = target.absolute().resolve()
    if where.parent != campaign.absolute().resolve():
        return
    stem = where.name.split(".")[0].lower()
    own = {log_path(campaign).name, access_path(campaign).name}  # the log, the review app's
    if stem in READ_NAMES or where.name in own:
        raise BadOption(
            f"--out {target} is named like the campaign's own {stem} file in {campaign}: "
            "the campaign would read it; choose another name"
        )
