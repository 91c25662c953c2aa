"""The console entry point: every command module registers on the app, then it runs."""

from __future__ import annotations

import logging
import sys

# each command module registers its commands on the app when imported
from engine.cli import decisions as _decisions  # noqa: F401
from engine.cli import exitcodes
from engine.cli import export as _export  # noqa: F401
from engine.cli import run as _run  # noqa: F401
from engine.cli import scenarios as _scenarios  # noqa: F401
from engine.cli import serve as _serve  # noqa: F401
from engine.cli import train as _train  # noqa: F401
from engine.cli.app import app


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except Exception:  # a bug: keep the trace, exit 1
        logging.getLogger("cxmatch").exception("internal error")
        sys.exit(exitcodes.INTERNAL_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
