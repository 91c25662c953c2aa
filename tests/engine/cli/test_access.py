"""``cxmatch access``: a sign-in link only for a partnership the campaign has (in its own
spelling), to an http(s) address, with a one-line label; anything else exits 2 and makes no
token."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.web.access import list_tokens
from tests.reviewing import small_campaign

runner = CliRunner()


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    return small_campaign(tmp_path_factory.mktemp("access") / "campaign")


def access(campaign: Path, *args: str):
    return runner.invoke(app, ["access", str(campaign), *args])


def test_a_link_signs_in_as_the_campaigns_own_spelling_of_the_partnership(campaign):
    result = access(campaign, "--partnership", "  smartenergy ", "--label", "Ana (SMARTENERGY)")
    assert result.exit_code == exitcodes.OK, result.output
    assert result.output.startswith("token ") and " for SMARTENERGY; sign-in link:" in result.output
    assert result.output.splitlines()[1].startswith("http://127.0.0.1:8000/signin#")
    assert [row.partnership for row in list_tokens(campaign)][-1] == "SMARTENERGY"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partnership", "SMARTENRGY"], "is not a partnership of"),
        (["--partnership", "Nobody at all"], "(it has "),
        (["--support-office", "--base-url", "javascript:alert(1)"], "--base-url must be"),
        (["--support-office", "--base-url", "https://x.org/?next=evil"], "--base-url must be"),
        (["--support-office", "--base-url", "https:///signin"], "--base-url must be"),
        (["--support-office", "--base-url", "http://a b.org"], "--base-url must be"),
        (["--support-office", "--label", "two\nlines"], "--label must be one line"),
        (["--support-office", "--label", "x" * 201], "--label must be one line"),
    ],
)
def test_a_link_nobody_could_use_is_refused_and_no_token_is_made(campaign, args, message):
    before = len(list_tokens(campaign))
    result = access(campaign, *args)
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert message in result.output
    assert len(list_tokens(campaign)) == before


def test_a_near_miss_names_the_partnership_meant(campaign):
    result = access(campaign, "--partnership", "SMARTENRGY")
    assert "did you mean 'SMARTENERGY'?" in result.output
    # in another case too (the audit: 'smartenrgy' got no hint)
    assert "did you mean 'SMARTENERGY'?" in access(campaign, "--partnership", "smartenrgy").output


def test_every_bad_access_option_is_listed_at_once(campaign):
    result = access(campaign, "--partnership", "blus", "--label", "a\nb", "--base-url", "ftp://x")
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    for message in ("--label must be one line", "--base-url must be", "did you mean 'BLUES'?"):
        assert message in result.output


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serve_listens_on_this_machine_only(campaign, host):
    """README: "The app listens on 127.0.0.1 only" (the audit: --host 0.0.0.0 served every
    network interface)."""
    result = runner.invoke(app, ["serve", str(campaign), "--host", host, "--port", "8799"])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "is reached from other machines" in result.output


def test_the_address_as_reviewers_reach_it_leads_the_link(campaign):
    result = access(campaign, "--support-office", "--base-url", "https://reviews.example.org/")
    assert result.exit_code == exitcodes.OK, result.output
    assert result.output.splitlines()[1].startswith("https://reviews.example.org/signin#")


def test_serve_refuses_an_address_it_cannot_listen_on_before_starting(campaign):
    """exit 2 with one sentence (uvicorn exited 3, the checker's code, after starting)."""
    unknown = runner.invoke(app, ["serve", str(campaign), "--host", "no such host.invalid"])
    assert unknown.exit_code == exitcodes.BAD_INPUT, unknown.output
    assert "--host 'no such host.invalid' is no address of this machine" in unknown.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = runner.invoke(app, ["serve", str(campaign), "--port", str(port)])
    assert busy.exit_code == exitcodes.BAD_INPUT, busy.output
    assert f"cannot listen on 127.0.0.1:{port}" in busy.output
