"""Help as a person reads it: each paragraph of a command's docstring flows as one (Typer
keeps a docstring's line breaks, which the terminal's own wrapping then cuts in the middle of
lines: the failures audit)."""

from __future__ import annotations

import inspect
from typing import Any

from typer.core import TyperGroup


def reflowed(text: str | None) -> str | None:
    """A docstring as help reads it: each paragraph one line (the terminal wraps it), but a
    paragraph of a list or indented lines, kept as written."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        paragraph
        if any(line[:1] in (" ", "-", "*") for line in paragraph.splitlines())
        else " ".join(paragraph.split("\n"))
        for paragraph in paragraphs
    )


class HelpGroup(TyperGroup):
    """A command group whose commands' help is reflowed (Typer keeps a docstring's line
    breaks, which the terminal's own wrapping then breaks in the middle of lines)."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            command.help = reflowed(command.help)
        return command
