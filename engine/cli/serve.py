"""``cxmatch serve`` and ``cxmatch access``: the review web app and who may sign in to it."""

from __future__ import annotations

import difflib
import ipaddress
import socket
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from engine.cli.app import BadOption, app, every_option, load_or_exit, setup_logging

MAX_LABEL = 200  # characters of a token's label (one line of the audit trail)


@app.command()
def serve(
    campaign: Annotated[Path, typer.Argument(help="campaign folder")],
    host: Annotated[
        str, typer.Option(help="address to listen on (default: this machine only)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Serve the review web app: each partnership answers its own side of tonight's proposals.

    Sign-in links come from `cxmatch access`. Bound to 127.0.0.1 by default: for partnerships
    elsewhere, run it behind a TLS reverse proxy (README, "Reviewing in a browser").
    """
    import uvicorn

    from engine.review.log_file import writing
    from engine.web.app import create_app

    setup_logging(False)
    if not (campaign / "profiles.csv").is_file() and not (campaign / "profiles.parquet").is_file():
        raise BadOption(f"{campaign} is not a campaign folder (no profiles)")
    if not 0 < port < 65536:
        raise BadOption(f"--port must be 1..65535, not {port}")
    _loopback(host)
    _can_listen(host, port)
    typer.echo(f"cxmatch review of {campaign} on http://{host}:{port}/ (Ctrl+C stops it)")
    # no access log: request lines are not needed, and the audit trail says who did what
    # a writer of the decision log for as long as it serves: a restore refuses meanwhile
    with writing(campaign):
        uvicorn.run(
            create_app(campaign), host=host, port=port, access_log=False, proxy_headers=True
        )


def _loopback(host: str) -> None:
    """Refuse (exit 2) an address other machines reach: the app listens on this machine only,
    behind a TLS reverse proxy for partnerships elsewhere (its sign-in cookie and tokens are
    not for a network in clear text)."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return  # no address at all: _can_listen says so
    addresses = {str(info[4][0]) for info in found}
    if not all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses):
        raise BadOption(
            f"--host {host!r} is reached from other machines: the app listens on this machine "
            "only (127.0.0.1, ::1 or localhost); for partnerships elsewhere put a TLS reverse "
            "proxy in front (README, 'Reviewing in a browser')"
        )


def _can_listen(host: str, port: int) -> None:
    """Refuse (exit 2) an address this machine cannot listen on, before the server starts
    (uvicorn would exit 3, the checker's code, after its start-up lines)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as error:
        raise BadOption(f"--host {host!r} is no address of this machine ({error})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise BadOption(
                f"cannot listen on {host}:{port} ({error.strerror}): another --port or --host"
            ) from None


@app.command()
def access(
    campaign: Annotated[Path, typer.Argument(help="campaign folder")],
    partnership: Annotated[
        str | None, typer.Option(help="the partnership the link signs in as")
    ] = None,
    support_office: Annotated[
        bool, typer.Option("--support-office", help="a link for the Support Office (everything)")
    ] = False,
    revoke: Annotated[str | None, typer.Option(help="end the access of this token id")] = None,
    list_all: Annotated[bool, typer.Option("--list", help="list the tokens")] = False,
    label: Annotated[str, typer.Option(help="who the link is for (audit trail)")] = "",
    base_url: Annotated[
        str, typer.Option(help="the app's address as reviewers reach it")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Create a sign-in link for the review web app (a secret token of 256 random bits, stored
    hashed), list the tokens, or revoke one."""
    from engine.web.access import create_token, list_tokens, revoke_token

    setup_logging(False)
    if not campaign.is_dir():
        raise BadOption(f"{campaign} is not a folder")
    if revoke is not None:
        if not revoke_token(campaign, revoke):
            raise BadOption(f"no active token {revoke!r}")
        typer.echo(f"token {revoke} revoked")
        return
    if list_all:
        for row in list_tokens(campaign):
            scope = row.partnership or "Support Office"
            state = f"revoked {row.revoked_at}" if row.revoked_at else "active"
            typer.echo(f"{row.token_id}  {scope}  {row.label}  created {row.created_at}  {state}")
        return
    _, address, _, named = every_option(  # every bad option listed at once
        lambda: _one_scope(partnership, support_office),
        lambda: _base_url(base_url),
        lambda: _label(label),
        lambda: None if partnership is None else _partnership_of(campaign, partnership),
    )
    partnership = named
    token_id, token = create_token(campaign, partnership, label)
    typer.echo(f"token {token_id} for {partnership or 'the Support Office'}; sign-in link:")
    typer.echo(f"{address}/signin#{token}")


def _one_scope(partnership: str | None, support_office: bool) -> None:
    if support_office == (partnership is not None):
        raise BadOption("give either --partnership P or --support-office")


def _label(label: str) -> None:
    if len(label) > MAX_LABEL or not label.isprintable():
        raise BadOption(f"--label must be one line of at most {MAX_LABEL} characters")


def _base_url(text: str) -> str:
    """The app's address as reviewers reach it: http(s), a host, nothing after the path."""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not text.isprintable()
        or any(character.isspace() for character in text)
    ):
        raise BadOption(
            f"--base-url must be an http(s) address such as https://reviews.example.org, "
            f"not {text!r}"
        )
    return text.rstrip("/")


def _partnership_of(campaign: Path, typed: str) -> str:
    """The campaign's own spelling of the partnership ``typed`` (case and spaces aside): a
    link for a partnership the campaign does not have would show nobody's proposals."""
    names = sorted(set(load_or_exit(campaign).profiles["partnership"]))
    wanted = " ".join(typed.split()).casefold()
    for name in names:
        if " ".join(name.split()).casefold() == wanted:
            return str(name)
    folded = {" ".join(str(name).split()).casefold(): str(name) for name in names}
    near = difflib.get_close_matches(wanted, list(folded), n=1)  # case aside: 'smartenrgy'
    hint = f"; did you mean {folded[near[0]]!r}?" if near else f" (it has {', '.join(names)})"
    raise BadOption(f"--partnership {typed!r} is not a partnership of {campaign}{hint}")
