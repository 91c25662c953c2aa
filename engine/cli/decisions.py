"""``cxmatch decide`` and ``cxmatch nightly``: the reviewers' side of the nightly loop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import (
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WORKERS,
    BadOption,
    PartlyRefused,
    Progress,
    app,
    interactive,
    night_date,
    out_folder,
    positive,
    setup_logging,
    whole,
    writable,
)


@app.command()
def decide(
    run: Annotated[Path, typer.Argument(help="the run folder the decisions answer")],
    decisions: Annotated[Path, typer.Argument(help="decision file (.csv or .xlsx)")],
    campaign: Annotated[
        Path | None,
        typer.Option(help="campaign folder (default: the one recorded in the run's manifest)"),
    ] = None,
) -> None:
    """Record reviewers' accepted / rejected / hold decisions in the campaign's decision log.

    Every problem is listed with its row and column (exit 2, nothing recorded). Importing the
    same file twice changes nothing; a decision that contradicts a recorded one is refused.
    """
    from engine.load.campaign import load_campaign
    from engine.load.decision_files import read_decision_file, run_id_problems
    from engine.output.folders import read_run
    from engine.review.inbox import record_file
    from engine.review.log import DecisionsInvalid, log_path
    from engine.synthetic.generator import demo_campaign_path

    setup_logging(False)
    answered = read_run(run)
    folder = campaign or answered.campaign_folder
    if folder is None:
        raise BadOption(f"{run}: the manifest names no campaign; use --campaign")
    if Path(folder).resolve() == demo_campaign_path().resolve():
        raise BadOption(
            "the bundled demo campaign is read-only: copy it to a folder of your own "
            "(cxmatch generate --out DIR), run it there, then record decisions"
        )
    loaded = load_campaign(folder)
    writable(Path(folder))  # the decision log is written there
    file, problems = read_decision_file(decisions, loaded.policy)
    if file is not None:
        problems += run_id_problems(file, answered.run_id)
    if file is None or problems:
        raise DecisionsInvalid(decisions.name, problems)
    result = record_file(file, Path(folder), loaded, answered)
    if result.already_imported:
        typer.echo(f"{decisions.name} was imported before: nothing changed")
        return
    typer.echo(
        f"{result.recorded} decisions recorded in {log_path(folder)}; "
        f"{result.already_recorded} were recorded already; {result.unanswered} rows unanswered"
    )


@app.command()
def nightly(
    campaign: Annotated[Path, typer.Argument(help="campaign folder")],
    runs: Annotated[Path | None, typer.Option(help="runs folder (default CAMPAIGN/runs)")] = None,
    night: Annotated[
        str | None, typer.Option(help="the night, YYYY-MM-DD (default: today, UTC)")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="solver time limit, seconds")] = 60.0,
    seed: Annotated[int, typer.Option(help="solver random seed")] = 0,
    workers: Annotated[int, typer.Option(help="solver threads")] = 2,
    with_contacts: Annotated[
        bool, typer.Option("--with-contacts", help="put contact data in the proposals workbook")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Import decisions from CAMPAIGN/inbox, run the night, write its run folder and report.

    Safe to re-run: the same night twice gives the same run and records no decision twice.
    """
    from engine.night.options import RunOptions
    from engine.review.nightly import NightlyOptions, run_nightly

    setup_logging(verbose)
    positive("--time-limit", time_limit, MAX_TIME_LIMIT_S)
    whole("--workers", workers, 1, MAX_WORKERS)
    whole("--seed", seed, 0, MAX_SEED)
    out_folder("--runs", runs)
    day = night_date("--night", night)
    options = NightlyOptions(
        run=RunOptions(time_limit_s=time_limit, workers=workers, seed=seed),
        runs=runs,
        night=day,
        include_contacts=with_contacts,
    )
    writable(campaign)  # the lock file, the inbox and the decision log
    writable(runs if runs is not None else campaign / "runs")
    report = run_nightly(campaign, options, Progress(interactive()))
    for imported in report.imported:
        typer.echo(
            f"imported {imported.file}: {imported.recorded} new decisions"
            + (" (imported before)" if imported.already_imported else "")
        )
    if report.ran and report.result is not None:
        typer.echo(f"{len(report.result.proposals)} proposals -> {report.run_folder}")
    else:
        typer.echo(f"{report.run_folder} exists: tonight has run already, nothing to redo")
    if report.result is not None:
        typer.echo(f"scorer: {report.result.scorer.get('source', 'default weights')}")
    if report.invalid:
        files = ", ".join(invalid.file for invalid in report.invalid)
        for problems in report.invalid:
            typer.secho(str(problems), err=True, fg=typer.colors.RED)
        raise PartlyRefused(f"the night ran; {files} stayed in the inbox with their problems")
