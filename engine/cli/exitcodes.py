"""Exit codes of the ``cxmatch`` command (documented in the README)."""

OK = 0
INTERNAL_ERROR = 1  # a bug: please report it with the log
BAD_INPUT = 2  # the campaign (or scenario, decisions file) is invalid: every problem is listed
RULES_BROKEN = 3  # the independent checker found a broken rule: nothing was written
NO_SOLUTION = 4  # the solver proved the rules infeasible or rejected the model
OUTPUT_EXISTS = 5  # the output folder exists already: runs are never overwritten
