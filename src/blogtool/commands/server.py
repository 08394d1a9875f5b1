"""``blogtool server``: start the language server on stdin/stdout (see blogtool.server)."""

from __future__ import annotations

import sys

import click


@click.command("server")
@click.option(
    "--stdio",
    is_flag=True,
    help="Talk over stdin/stdout (the only transport, and the default; accepted because "
    "some editors pass it).",
)
def server(stdio: bool) -> None:
    """Run the language server (LSP) over stdio, for editors.

    Diagnostics as you type, quick fixes, "add a section for this paper" on arXiv links,
    and the rule's documentation on hover. Configuration comes from the draft's project
    (blogtool.toml, or [tool.blogtool] in pyproject.toml) and is read again when it changes.
    The README shows how to set it up in VS Code, Neovim, Helix and Zed.

    Exit code: 0 after the client's shutdown request, 1 if the client exits without one.
    """
    try:
        from blogtool.server import serve
    except ImportError as exc:  # pygls missing from a partial install
        from blogtool.cli import Trouble

        raise Trouble(f"the language server needs pygls and lsprotocol: {exc}") from None
    sys.exit(serve())
