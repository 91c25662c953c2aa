from __future__ import annotations

import pytest

from solvers.options import SolverOptions


# every exact test runs twice: the plain CP-SAT model, and LP start + fixing + CP-SAT
@pytest.fixture(params=[False, True], ids=["cp-sat-only", "with-lp"])
def options(request) -> SolverOptions:
    return SolverOptions(time_limit_s=10, workers=1, use_relaxation=request.param)
