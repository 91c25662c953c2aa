"""The console entry point: every command module registers on the app, then it runs."""

from __future__ import annotations

import logging
import sys

from engine.cli import decisions, exitcodes, scenarios, train  # noqa: F401  (commands register on app)
from engine.cli.app import app


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except Exception:  # a bug: keep the trace, exit 1
        logging.getLogger("cxmatch").exception("internal error")
        sys.exit(exitcodes.INTERNAL_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
