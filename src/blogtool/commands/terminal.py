"""Whether output is coloured: the one place the CLI decides, for every command."""

from __future__ import annotations

import os
import sys

import click

from ..paint import Paint, no_paint


def terminal_paint() -> Paint:
    """``click.style`` when stdout is a terminal and ``NO_COLOR`` is unset, else no colour."""
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        return click.style
    return no_paint
