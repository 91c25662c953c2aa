"""Standard output read by a program that stops early (``cxmatch validate CAMPAIGN | head``):
the command goes on and ends as it would (a run is written whole), its further output
dropped; never an internal error for a reader that had seen enough."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


class ForgivingStdout:
    """A text stream that drops what it cannot write once its reader has gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.gone = True
        try:  # the interpreter's last flush at exit finds nothing left to write
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def forgive_early_readers() -> None:
    """Standard output dropped, not an error, once its reader stops reading."""
    if not isinstance(sys.stdout, ForgivingStdout) and sys.stdout is not None:
        sys.stdout = ForgivingStdout(sys.stdout)
