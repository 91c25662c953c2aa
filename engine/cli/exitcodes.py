"""Exit codes of the ``cxmatch`` command (documented in the README, "Exit codes"); which failure
gets which code is decided in one place, :func:`engine.cli.app.exit_code`."""

OK = 0
INTERNAL_ERROR = 1  # a bug: please report it with the trace (--verbose prints it)
BAD_INPUT = 2  # the campaign, scenario, decision file or an option is invalid: all listed
RULES_BROKEN = 3  # the independent checker found a broken rule: nothing was written
NO_SOLUTION = 4  # the solver proved the rules infeasible or rejected the model
OUTPUT_EXISTS = 5  # the output folder exists already: runs are never overwritten
LOG_DAMAGED = 6  # the decision log is damaged, empty or unfinished: refused, not read as empty
CANNOT_WRITE = 7  # a folder is read-only, full or not permitted: nothing (partial) was written
INTERRUPTED = 130  # Ctrl+C (SIGINT), as shells report it: what was being written was not kept
