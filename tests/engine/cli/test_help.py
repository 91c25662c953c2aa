"""Every command's ``--help`` reads as paragraphs: a docstring's line breaks do not break
the terminal's lines in the middle (Typer keeps them; ``engine.cli.app.reflowed``)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli.main import app

runner = CliRunner()
COMMANDS = [
    ["decide"],
    ["export"],
    ["run"],
    ["nightly"],
    ["serve"],
    ["sweep"],
    ["simulate"],
    ["train"],
    ["log", "check"],
    ["log", "restore"],
    ["log"],
    [],
]


def _lines(words: list[str], width: int) -> list[str]:
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


@pytest.mark.parametrize("words", COMMANDS, ids=lambda words: " ".join(words) or "cxmatch")
def test_on_a_wide_terminal_each_paragraph_and_command_summary_is_one_line(
    words: list[str],
) -> None:
    lines = _lines(words, 400)
    prose = lines[: next(i for i, line in enumerate(lines) if line.lstrip().startswith("╭"))]
    for line, following in zip(prose, prose[1:], strict=False):
        assert not (line.strip() and following.strip()), f"{line!r} / {following!r}"
    # the commands' summaries in a group's listing: one row each, no continuation rows
    listing = False
    for line in lines:
        listing = (listing or line.startswith("╭─ Commands")) and not line.startswith("╰")
        if listing and line.startswith("│"):
            assert line[2] != " ", line


def test_a_paragraph_of_the_decide_help_flows_on_a_narrow_terminal() -> None:
    lines = _lines(["decide"], 100)
    assert not any(line.rstrip().endswith("(the spreadsheet's") for line in lines)
    text = " ".join(" ".join(line.strip(" │") for line in lines).split())
    assert "listed with its row (the spreadsheet's own number) and column (exit 2)" in text
