"""``cxmatch decide`` and ``cxmatch nightly``: the reviewers' side of the nightly loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import (
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WORKERS,
    PACE_OPTION,
    BadOption,
    PartlyRefused,
    Progress,
    app,
    every_option,
    interactive,
    night_date,
    out_folder,
    positive,
    resumable_folder,
    setup_logging,
    whole,
    writable,
)
from engine.cli.run import night_summary
from engine.domain.counts import counted


@app.command()
def decide(
    run: Annotated[Path, typer.Argument(help="a run folder of the campaign the decisions answer")],
    decisions: Annotated[Path, typer.Argument(help="decision file (.csv or .xlsx)")],
    campaign: Annotated[
        Path | None,
        typer.Option(
            help="campaign folder (default: the one whose runs/ holds RUN, else the one its "
            "manifest names)"
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="check and show what would be recorded; record nothing"),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="all or nothing: record no row if any row has a problem"),
    ] = False,
) -> None:
    """Record reviewers' answers (accepted / rejected / hold / cancelled / withdrawn, per side
    or for both) in the campaign's decision log.

    Every valid row is recorded and every problem row listed with its row (the spreadsheet's
    own number) and column (exit 2). Each pair is matched to the run of the campaign that
    proposed it, whichever night the file comes in. Importing the same file twice changes
    nothing; an answer that contradicts a recorded one is refused.
    """
    from engine.load.campaign import load_campaign
    from engine.output.folders import read_run
    from engine.review.inbox import decision_file, record_file
    from engine.review.log import DecisionsInvalid, log_path, read_log
    from engine.review.results import notes_not_recorded
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
    if not dry_run:
        writable(Path(folder))  # the decision log is written there
    file = decision_file(decisions)
    result = record_file(
        file, Path(folder), loaded, [answered], dry_run=dry_run, strict=strict,
        answering=answered.run_id,
    )  # fmt: skip
    for warning in file.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
    if result.already_imported:
        typer.echo(f"{decisions.name} was imported before: nothing changed")
        if result.problems:  # the audit: the second import hid them and exited 0
            raise DecisionsInvalid(file.name, result.problems, 0)
        return
    kept = result.dry_run or (strict and result.problems)
    verb = "would be recorded" if result.dry_run else "recorded"
    if strict and result.problems and not result.dry_run:
        verb = "would have been recorded (--strict: nothing was)"
    unrecorded = [] if result.dry_run else notes_not_recorded(result, read_log(log_path(folder)))
    if unrecorded:
        typer.secho(
            f"warning: {file.name} {'row' if len(unrecorded) == 1 else 'rows'} "
            f"{', '.join(map(str, unrecorded))} repeat{'s' if len(unrecorded) == 1 else ''} "
            "an answer recorded already with another note: a recorded answer keeps its note "
            "(the new one is not recorded)",
            err=True,
            fg=typer.colors.YELLOW,
        )
    bad = len({p.row for p in result.problems})
    typer.echo(
        f"{counted(result.recorded, 'row')} {verb} in {log_path(folder)}; "
        f"{result.already_recorded} were recorded already; {counted(result.unanswered, 'row')} "
        f"unanswered; {counted(bad, 'row')} with problems"
    )
    if result.problems:
        raise DecisionsInvalid(file.name, result.problems, 0 if kept else result.recorded)


def campaign_folder(campaign: Path) -> None:
    """Refuse (exit 2) a campaign that is not a folder (the audit: exit 1 on the lock file)."""
    if not campaign.is_dir():
        what = "a file" if campaign.exists() else "not there"
        raise BadOption(f"campaign {campaign} is not a folder ({what})")


@app.command()
def nightly(
    campaign: Annotated[Path, typer.Argument(help="campaign folder")],
    runs: Annotated[Path | None, typer.Option(help="runs folder (default CAMPAIGN/runs)")] = None,
    night: Annotated[
        str | None, typer.Option(help="the night, YYYY-MM-DD or DD/MM/YYYY (default: today, UTC)")
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            help="the night's time, seconds (the solver gets what the other stages leave)"
        ),
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="solver random seed")] = 0,
    workers: Annotated[int, typer.Option(help="solver threads")] = 2,
    with_contacts: Annotated[
        bool, typer.Option("--with-contacts", help="put contact data in the proposals workbook")
    ] = False,
    pace: Annotated[float | None, PACE_OPTION] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Import decisions from CAMPAIGN/inbox, run the night, write its run folder and report.

    Safe to re-run: the same night twice gives the same run and records no decision twice.
    """
    import time

    started = time.perf_counter()  # --time-limit counts from here, as `run`'s does
    from engine.cli.pace import checked, machine_pace
    from engine.night.options import RunOptions
    from engine.review.nightly import NightlyOptions, run_nightly

    setup_logging(verbose)
    *_, day, _ = every_option(
        lambda: campaign_folder(campaign),
        lambda: positive("--time-limit", time_limit, MAX_TIME_LIMIT_S),
        lambda: whole("--workers", workers, 1, MAX_WORKERS),
        lambda: whole("--seed", seed, 0, MAX_SEED),
        lambda: out_folder("--runs", runs),
        lambda: resumable_folder("--runs", runs),  # a folder of runs, that may exist
        lambda: night_date("--night", night),
        lambda: pace is None or checked(str(pace), "--pace"),
    )
    machine = machine_pace(pace)  # measured once a boot (about 2.5 s) unless given
    options = NightlyOptions(
        run=RunOptions(
            time_limit_s=time_limit,
            workers=workers,
            seed=seed,
            pace=machine.value,
            started=started,
        ),  # fmt: skip
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
        policy = json.loads((report.run_folder / "manifest.json").read_text())["policy"]
        typer.echo(
            night_summary(
                report.result, float(policy["min_sme_share"]), report.run_folder, time_limit,
                started, machine,
            )
        )  # fmt: skip
    else:
        typer.echo(f"{report.run_folder} exists: tonight has run already, nothing to redo")
    if report.result is not None:
        typer.echo(f"scorer: {report.result.scorer.get('source', 'default weights')}")
    if report.invalid:
        files = ", ".join(invalid.file for invalid in report.invalid)
        for problems in report.invalid:
            typer.secho(str(problems), err=True, fg=typer.colors.RED)
        when = "the night ran" if report.ran else "tonight's run was there already"
        raise PartlyRefused(
            f"{when}; rows of {files} have problems: listed above and in the inbox "
            "(<file>.problems.txt)"
        )
