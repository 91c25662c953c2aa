"""The console entry point: every command module registers on the app, then it runs."""

from __future__ import annotations

import sys

# each command module registers its commands on the app when imported
from engine.cli import decisions as _decisions  # noqa: F401
from engine.cli import exitcodes
from engine.cli import export as _export  # noqa: F401
from engine.cli import log as _log  # noqa: F401
from engine.cli import run as _run  # noqa: F401
from engine.cli import scenarios as _scenarios  # noqa: F401
from engine.cli import serve as _serve  # noqa: F401
from engine.cli import train as _train  # noqa: F401
from engine.cli.app import app, refuse
from engine.cli.pipe import forgive_early_readers


def main() -> None:  # pragma: no cover - console entry point
    forgive_early_readers()
    try:
        app()
    except SystemExit as leaving:
        if leaving.code == exitcodes.INTERRUPTED:  # what Dask fails to close at exit (a local
            # cluster interrupted while it started) is not the user's business: one sentence
            sys.unraisablehook = lambda _unraisable: None
        raise
    except Exception as error:  # outside a command (the group handles those): one sentence
        sys.exit(refuse(error).exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
