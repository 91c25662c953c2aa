"""This machine's pace: the seconds it takes for one second of work as the run's time plan
counts it (``engine.night.encode``: the stages' predicted times and the solver's work budget
were measured on one machine, the *reference*, on 6 December 2026; a machine 1.3 x slower
needs 1.3 x the time).

``--time-limit`` is the user's clock on any machine only if the plan knows the machine's pace:
with the plan's figures alone, a 60 s run at 5,000 visitors took 66.7 s on a machine about 1.3 x
slower than the reference (6 December, evening), and with one other process on its two cores the wall
clock cut its solver (74 s; then a run is no longer reproducible).

The pace is measured on a fixed workload (an interior-point LP through SciPy's HiGHS, as the
solver's masters, and sorting, grouping and summing a million values, as the candidate stage;
one thread, seeded), in *processor* time, so another process on the machine does not change it
(two busy loops on both cores: 0.43 to 0.44 s against 0.44 to 0.46 s unloaded). It is rounded to
steps of 2^(1/8) (9%) and kept once a boot (``pace.json`` in the user's cache folder, keyed by
the boot, the processor and the library versions), so that reruns on one machine get the same
work budget and so the same proposals. ``--pace`` or ``CXMATCH_PACE`` sets it: the manifest's
``options.pace`` gives a run the same work budget on another machine (its proposals may still
differ where that processor's floating point does: the same 5,000-visitor problem and budget
gave -165,039,988 on the reference and -164,800,720 here).
"""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PACE_ENV = "CXMATCH_PACE"
CACHE_ENV = "CXMATCH_CACHE"  # the folder of pace.json (default: $XDG_CACHE_HOME/cxmatch)
STEP = 2 ** (1 / 8)
# the workload's processor time on the machine the time plan was measured on, estimated: on
# the machine of 6 December, evening, it took 0.39 to 0.41 s (eight processes), and that
# machine ran the 5,000-visitor 60 s benchmark run about 1.3 x slower (the solver's wall per
# unit of work 1.28 x, the stages before the solve 1.43 x, after it 1.49 x, the whole run
# 66.7 s against 49.5 s); its pace is set to the step nearest, 2^(3/8) = 1.30, so that its
# measurements (1.27 to 1.33) stay within that step
REFERENCE_S = 0.40 / STEP**3
LEAST, MOST = 0.25, 8.0  # a pace outside these is a typo (or a machine the plan cannot serve)
REPEATS = 4  # after one run that imports and warms up
WORKLOAD_VERSION = 1


class BadPace(ValueError):
    """A pace typed by a person (``--pace``, ``CXMATCH_PACE``) is not a number in range."""


@dataclass(frozen=True)
class Pace:
    value: float
    source: str  # "--pace", "CXMATCH_PACE", "measured now", "measured earlier this boot"

    def words(self) -> str:
        return f"pace {self.value:.2f} ({self.source})"


def checked(text: str, name: str) -> float:
    """A pace typed by a person: a number in ``LEAST..MOST``, or :class:`BadPace`."""
    try:
        value = float(text)
    except ValueError:
        raise BadPace(f"{name} must be a number, not {text!r}") from None
    if not (math.isfinite(value) and LEAST <= value <= MOST):
        raise BadPace(f"{name} must be between {LEAST:g} and {MOST:g}, not {text}")
    return value


def machine_pace(given: float | None = None) -> Pace:
    """``given`` (``--pace``), else ``CXMATCH_PACE``, else this boot's measured pace (measured
    now, about 2.5 s, if no run measured it since the machine started)."""
    if given is not None:
        return Pace(checked(str(given), "--pace"), "--pace")
    typed = os.environ.get(PACE_ENV, "").strip()
    if typed:
        return Pace(checked(typed, PACE_ENV), PACE_ENV)
    path = cache_folder() / "pace.json"
    key = machine_key()
    kept = _read(path, key)
    if kept is not None:
        return Pace(kept, "measured earlier this boot")
    value = rounded(workload_s() / REFERENCE_S)
    return Pace(_keep(path, key, value), "measured now")


def rounded(ratio: float) -> float:
    """``ratio`` to the nearest step of 2^(1/8), within ``LEAST..MOST``."""
    steps = round(math.log(max(ratio, 1e-9)) / math.log(STEP))
    return round(min(MOST, max(LEAST, STEP**steps)), 4)


def cache_folder() -> Path:
    """``CXMATCH_CACHE``, else ``$XDG_CACHE_HOME/cxmatch``, else ``~/.cache/cxmatch`` (a user
    without a home folder: the temporary folder's ``cxmatch-cache``)."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "cxmatch"
    try:
        return Path.home() / ".cache" / "cxmatch"
    except RuntimeError:  # no HOME and no entry in the password database
        return Path(tempfile.gettempdir()) / "cxmatch-cache"


def machine_key() -> str:
    """What the pace holds for: this boot of this processor, with these libraries."""
    import numpy
    import scipy

    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = f"{platform.node()} up since {int(time.time() - time.monotonic()) // 600}"
    return "|".join(
        [
            f"v{WORKLOAD_VERSION}",
            boot,
            platform.processor() or platform.machine(),
            str(os.cpu_count()),
            numpy.__version__,
            scipy.__version__,
        ]
    )


def _read(path: Path, key: str) -> float | None:
    """The pace kept for ``key``, or None (no file, another machine or boot, unreadable)."""
    try:
        kept = json.loads(path.read_text())
        value = float(kept["pace"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if kept.get("key") != key or not (LEAST <= value <= MOST):
        return None
    return value


def _keep(path: Path, key: str, value: float) -> float:
    """Keep ``value`` for ``key``; the first run to keep one wins (two runs measuring at once
    then use the same pace). A cache folder that cannot be written keeps nothing."""
    body = json.dumps({"key": key, "pace": value, "reference_s": REFERENCE_S})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-pace-", dir=path.parent)
        with os.fdopen(handle, "w") as stream:
            stream.write(body)
        try:
            if _read(path, key) is None:  # another boot's (or a damaged) file goes
                path.unlink(missing_ok=True)
            os.link(temporary, path)  # fails if another run kept one meanwhile
        except FileExistsError:
            pass
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError:
        return value
    kept = _read(path, key)
    return value if kept is None else kept


def workload_s() -> float:
    """The least processor time of ``REPEATS`` runs of the fixed workload, one thread, after
    one that imports and warms up (about 2.5 s in all)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        _workload()
        times = []
        for _ in range(REPEATS):
            started = time.process_time()
            _workload()
            times.append(time.process_time() - started)
    return min(times)


def _workload() -> None:
    """An interior-point LP as the group LP's masters (3,000 visitors x 10 hosts each, host
    capacities and one side row), then sorting, grouping and summing a million values."""
    import numpy as np
    import scipy.sparse as sparse
    from scipy.optimize import linprog

    rng = np.random.default_rng(7)
    visitors, hosts, per = 3_000, 750, 10
    columns = visitors * per
    rows = np.concatenate(
        [
            np.repeat(np.arange(visitors), per),
            visitors + rng.integers(0, hosts, columns),
            np.full(columns, visitors + hosts),
        ]
    )
    values = np.concatenate([np.ones(2 * columns), rng.choice([-1.0, 1.0], columns)])
    matrix = sparse.csr_matrix(
        (values, (rows, np.tile(np.arange(columns), 3))), shape=(visitors + hosts + 1, columns)
    )
    right = np.concatenate([np.ones(visitors), np.full(hosts, 3.0), [0.0]])
    linprog(-rng.random(columns), A_ub=matrix, b_ub=right, bounds=(0, 1), method="highs-ipm")
    numbers = rng.random(1_000_000)
    order = np.argsort(numbers, kind="stable")
    _, group = np.unique(rng.integers(0, 5_000, 1_000_000), return_inverse=True)
    np.bincount(group, weights=numbers[order])
