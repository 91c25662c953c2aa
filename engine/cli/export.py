"""``cxmatch export``: a run's accepted exchanges in another tool's words (the CXC IT tool's)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli import exitcodes
from engine.cli.app import app, fail, refuse, setup_logging

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
        typer.Option(help="campaign folder (default: the one recorded in the run's manifest)"),
    ] = None,
) -> None:
    """Write the run's proposals that reviewers accepted (the campaign's decision log) in the
    IT tool's words, one row per exchange, for re-entry in the tool (columns: README)."""
    import pandas as pd

    from engine.domain.problems import CampaignInvalid
    from engine.load.campaign import load_campaign
    from engine.output.exports import write_csv
    from engine.output.folders import RunUnreadable, read_run
    from engine.output.it_tool import accepted_exchanges, it_tool_table
    from engine.review.log import current_decisions, log_path, read_log

    setup_logging(False)
    if fmt not in FORMATS:
        raise fail(
            exitcodes.BAD_INPUT, f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}"
        )
    try:
        answered = read_run(run)
        proposals = answered.proposals()
    except RunUnreadable as error:
        raise refuse(error) from None
    folder = campaign or answered.campaign_folder
    if folder is None:
        raise fail(exitcodes.BAD_INPUT, f"{run}: the manifest names no campaign; use --campaign")
    target = out if out is not None else Path(f"it-tool-{answered.run_id}.csv")
    if target.exists():
        raise fail(exitcodes.OUTPUT_EXISTS, f"{target} exists already; choose another --out")
    try:
        loaded = load_campaign(folder)
    except CampaignInvalid as invalid:
        raise refuse(invalid) from None
    decisions = current_decisions(read_log(log_path(Path(folder))))
    exchanges = accepted_exchanges(proposals, decisions, answered.run_id)
    table = it_tool_table(exchanges, loaded)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, target)
    groups = int(pd.Series(exchanges["group_id"]).nunique()) if len(exchanges) else 0
    typer.echo(f"{len(table)} accepted exchanges ({groups} groups) -> {target}")
