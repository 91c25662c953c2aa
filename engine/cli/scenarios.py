"""``cxmatch simulate``, ``cxmatch sweep`` and ``cxmatch compare``: campaign scenarios."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import (
    MAX_SEED,
    MAX_WORKERS,
    BadOption,
    Progress,
    SomeRunsFailed,
    app,
    every_option,
    interactive,
    out_folder,
    resumable_folder,
    setup_logging,
    whole,
)
from engine.domain.counts import counted

MAX_SEEDS = 10_000  # seeds per scenario in a sweep


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="scenario file (scenarios/*.toml)")],
    out: Annotated[
        Path | None, typer.Option(help="output folder (default simulations/<name>-seed<seed>)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Replay a campaign night by night: propose, decide (simulated), next night. Writes
    per-night tables, KPI progress, lump sums and an HTML report, atomically."""
    from engine.output.store import OutputExists
    from scenarios.checks import check_files
    from scenarios.report import simulation_report
    from scenarios.simulate import simulate as run_simulation
    from scenarios.store import write_simulation

    setup_logging(verbose)
    progress = Progress(interactive())
    every_option(
        lambda: whole("--seed", seed, 0, MAX_SEED),
        lambda: out_folder("--out", out),
    )
    progress("checking the scenario, loading the base campaign and applying the changes")
    checked = check_files([scenario], seed)
    loaded = checked.scenarios[0]
    prepared = checked.prepared[loaded.path]
    chosen_seed = prepared.seed
    target = out or Path("simulations") / f"{loaded.scenario.name}-seed{chosen_seed}"
    if target.exists() or target.is_symlink():
        raise OutputExists(f"{target} exists already; choose another --out")
    result = run_simulation(prepared, progress)
    scenario_sha256 = hashlib.sha256(Path(loaded.path).read_bytes()).hexdigest()
    hashes = {**result.input_hashes, Path(loaded.path).name: scenario_sha256}
    result = dataclasses.replace(result, input_hashes=hashes)
    progress(f"writing {target}")
    write_simulation(target, result, simulation_report(result))
    typer.echo(f"{result.summary['scenario']} (seed {chosen_seed}) -> {target}")
    typer.echo(summary_lines(result.summary))


def summary_lines(summary: dict[str, object]) -> str:
    """A simulation's headline in words and units (the report has the rest)."""
    from engine.output.formats import euros, number, percent

    reached = summary["nights_to_target"]
    every = (
        f"every KPI target met by night {reached}"
        if reached is not None
        else f"not every target met: {number(summary['shortfall'])} exchanges still missing"
    )
    return (
        f"  {summary['nights']} nights: {number(summary['accepted'])} exchanges accepted of "
        f"{number(summary['proposals'])} proposals ({number(summary.get('expected'))} expected)\n"
        f"  KPI targets met: {summary['kpis_met']} of {summary['kpis']}; {every}\n"
        f"  SME share of accepted exchanges: {percent(summary['sme_share_accepted'])} "
        f"(minimum {percent(summary.get('min_sme_share'))}); "
        f"lump sums {euros(summary['lump_sum_eur'])}"
    )


def _scenario_lines(runs: object) -> str:
    """Per scenario over its seeds: KPI targets met and how many seeds met every one."""
    import pandas as pd

    from engine.output.formats import spread

    assert isinstance(runs, pd.DataFrame)
    lines = []
    ok = runs[runs["status"] == "ok"]
    for name, rows in ok.groupby("scenario", sort=False):
        met = pd.to_numeric(rows["kpis_met"])
        every = int(rows["nights_to_target"].notna().sum())
        lines.append(
            f"  {name}: KPI targets met {spread(met.mean(), met.min(), met.max())} of "
            f"{int(rows['kpis'].iloc[0])}; every target met in {every} of {len(rows)} seeds"
        )
    return "\n".join(lines)


def _scheduler_address(scheduler: str | None) -> None:
    """Refuse (exit 2) an empty ``--scheduler`` (Dask read it as none and started a local
    cluster: the failures audit)."""
    if scheduler is not None and not scheduler.strip():
        raise BadOption(
            "--scheduler is empty: give a Dask scheduler's address (tcp://HOST:8786), or "
            "leave the option out for a local cluster"
        )
    if scheduler is not None and not _dask_address(scheduler.strip()):
        raise BadOption(
            f"--scheduler {scheduler!r} is not a Dask scheduler's address: write it as the "
            "scheduler prints it, tcp://HOST:PORT (or tls://, ws://, wss://, ucx://), PORT "
            "from 1 to 65535"
        )


def _dask_address(address: str) -> bool:
    """Whether Dask reads ``address`` as a scheduler's (the scenarios' audit: "nonsense" was
    an internal error, exit 1): a protocol Dask has, and a host and a port where it has them."""
    from distributed.comm import registry
    from distributed.comm.addressing import get_address_host_port, parse_address

    try:
        scheme, _ = parse_address(address)
        if scheme not in registry.backends:
            return False
        if scheme not in ("tcp", "tls", "ws", "wss"):
            return True  # ucx, inproc: no host and port Dask parses here
        _, port = get_address_host_port(address)
    except ValueError:
        return False
    return 1 <= int(port) <= 65535


def _seed_list(seeds: int, first_seed: int) -> list[int]:
    return list(range(first_seed, first_seed + seeds))


class _QuietShutdown(logging.Filter):
    """What Dask says on a normal shutdown, after the last result: a connection closed, with
    its traceback (below ERROR), and, on a loaded machine, a worker process that took more
    than 4 s to exit and was stopped. Without --verbose neither is shown; with it, the lines
    without the traceback."""

    def __init__(self, verbose: bool):
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        from distributed.comm.core import CommClosedError

        if record.levelno >= logging.ERROR:
            return True
        if record.exc_info and isinstance(record.exc_info[1], CommClosedError):
            record.exc_info, record.exc_text = None, None
        if record.name == "distributed.nanny" and str(record.msg).startswith(
            "Worker process still alive"
        ):
            return self.verbose
        return True


def _quiet_dask(verbose: bool) -> None:
    """Dask's loggers at WARNING (INFO with --verbose). Importing distributed sets its own
    levels, so this runs after that import."""
    import distributed  # noqa: F401

    logging.getLogger("distributed").setLevel(logging.INFO if verbose else logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_QuietShutdown(verbose))


@app.command()
def sweep(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files")],
    seeds: Annotated[int, typer.Option(help="seeds per scenario")] = 3,
    first_seed: Annotated[int, typer.Option(help="the first seed")] = 0,
    out: Annotated[Path, typer.Option(help="sweep folder (re-runs resume in it)")] = Path(
        "sweeps/sweep"
    ),
    scheduler: Annotated[
        str | None, typer.Option(help="address of an existing Dask scheduler")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="local Dask workers (default: one per core)")
    ] = None,
    serial: Annotated[bool, typer.Option("--serial", help="no Dask: run in this process")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run scenarios x seeds on Dask (or --serial) and compare them in one table and report.
    Finished results are kept and skipped on re-run; a failed run is reported."""
    from scenarios.checks import check_files
    from scenarios.sweep import run_sweep

    setup_logging(verbose)
    if not serial:
        _quiet_dask(verbose)
    progress = Progress(interactive() or verbose)
    every_option(
        lambda: whole("--seeds", seeds, 1, MAX_SEEDS),
        lambda: whole("--first-seed", first_seed, 0, MAX_SEED - max(0, seeds)),
        lambda: whole("--workers", workers, 1, MAX_WORKERS),
        lambda: _scheduler_address(scheduler),
        lambda: out_folder("--out", out),
        lambda: resumable_folder("--out", out),
    )
    sweep_like = (out / "sweep.json").is_file() or (out / "results").is_dir()
    if out.is_dir() and any(out.iterdir()) and not sweep_like:
        # a sweep resumes in its own folder (an interrupted one has its results only); any
        # other folder (a simulation's, say) is kept as it is
        from engine.output.store import OutputExists

        raise OutputExists(f"{out} exists and is not a sweep's folder; choose another --out")
    seed_list = _seed_list(seeds, first_seed)
    progress(f"checking {len(scenarios)} scenario files")
    checked = check_files(scenarios, seed_list[0])  # every problem of every file at once
    outcome = run_sweep(
        checked.scenarios,
        seed_list,
        out,
        serial=serial,
        scheduler=None if scheduler is None else scheduler.strip(),
        workers=workers,
        progress=progress,
        log_level=logging.INFO if verbose else logging.WARNING,
        bases=checked.bases,
    )
    typer.echo(
        f"{counted(len(outcome.runs), 'result')} -> {out}: ran {len(outcome.ran)}, "
        f"reused {len(outcome.reused)}, failed {len(outcome.failed)} "
        f"({outcome.wall_time_s:.1f}s); report: {out / 'report.html'}"
    )
    typer.echo(_scenario_lines(outcome.runs))
    for (name, seed), error in sorted(outcome.failed.items()):
        typer.secho(f"  failed: {name} seed {seed}: {error}", err=True, fg=typer.colors.RED)
    if outcome.failed:
        raise SomeRunsFailed(f"{len(outcome.failed)} of {len(outcome.runs)} runs failed")


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="simulation or sweep folder")],
    b: Annotated[Path, typer.Argument(help="simulation or sweep folder of the same kind")],
    out: Annotated[
        Path | None,
        typer.Option(help="FILE.html: the comparison as a page; a folder: its tables and page"),
    ] = None,
) -> None:
    """Differences between two simulations (or two sweeps): headline figures, every
    partnership's KPIs side by side (with the seed spread), and the accepted pairs that
    differ."""
    from engine.output.store import OutputExists, json_writer, write_atomically
    from scenarios.compare import compare as run_compare
    from scenarios.compare_views import comparison_report, text_report
    from scenarios.store import replace_file, text_writer, write_csv

    setup_logging(False)
    out_folder("--out", out)
    if out is not None and (out.exists() or out.is_symlink()):  # before the work, not after
        raise OutputExists(f"{out} exists already; choose another --out")
    comparison = run_compare(a, b)
    typer.echo(text_report(comparison, a, b))
    if out is None:
        return
    page = comparison_report(comparison, a, b)
    if out.suffix.lower() in (".html", ".htm"):
        if out.exists() or out.is_symlink():
            raise OutputExists(f"{out} exists already; choose another --out")
        replace_file(out, text_writer(page))
        typer.echo(f"comparison -> {out}")
        return
    write_atomically(
        out,
        {
            "headlines.csv": lambda path: write_csv(comparison.headlines, path),
            "kpis.csv": lambda path: write_csv(comparison.kpis, path),
            "pairs.csv": lambda path: write_csv(comparison.pairs, path),
            "report.html": text_writer(page),
            "compare.json": json_writer(
                {"a": str(a), "b": str(b), "kind": comparison.kind, "notes": comparison.notes}
            ),
        },
    )
    typer.echo(f"tables and report.html -> {out}")
