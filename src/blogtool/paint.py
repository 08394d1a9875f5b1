"""Colour, as the formatters and renderers ask for it: a :class:`Paint`.

The CLI decides whether output is coloured and hands the formatters ``click.style`` (see
:func:`blogtool.commands.terminal.terminal_paint`), or :func:`no_paint` for a file, a pipe or
``NO_COLOR``. Formatters only call the Paint they are given, so they never import click
and there is one way to colour text.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Paint", "no_paint"]


class Paint(Protocol):
    """Styles ``text`` as :func:`click.style` does: ``fg`` a colour name, ``bold``, ``dim``."""

    def __call__(
        self, text: str, *, fg: str | None = None, bold: bool | None = None, dim: bool | None = None
    ) -> str: ...


def no_paint(
    text: str, *, fg: str | None = None, bold: bool | None = None, dim: bool | None = None
) -> str:
    """The text as it is: output that is not a colour terminal."""
    return text
