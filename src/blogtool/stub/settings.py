"""Where entries go: ``[tool.blogtool.stub]``, checked when it is read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter
from typing import Any

from blogtool import layouts as shapes
from blogtool.document import Section
from blogtool.stub.errors import StubError

_PLACEMENTS = ("year", "end")


@dataclass(frozen=True)
class StubSettings:
    """Where entries go. Heading levels left at None follow the draft (2 and 3 if it has
    no year or paper headings); ``layout`` None infers the layout from the draft."""

    placement: str = "year"
    year_heading_level: int | None = None
    paper_heading_level: int | None = None
    year_heading_format: str = "{year}"
    layout: str | None = None

    def __post_init__(self) -> None:
        if self.placement not in _PLACEMENTS:
            raise StubError(f'placement must be "year" or "end", not {self.placement!r}')
        for name in ("year_heading_level", "paper_heading_level"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 6:
                raise StubError(f"{name} must be 1 to 6, not {value}")
        year, paper = self.year_heading_level or 2, self.paper_heading_level or 3
        if self.placement == "year" and self.year_heading_level is not None and year >= paper:
            raise StubError(
                f"year_heading_level ({year}) must be smaller than "
                f"paper_heading_level ({paper}) to hold paper sections"
            )
        if self.layout is not None and self.layout not in shapes.LAYOUTS:
            raise StubError(f"unknown layout {self.layout!r} (known: {', '.join(shapes.LAYOUTS)})")
        _year_pattern(self.year_heading_format)  # validates the format

    def year_title(self, year: int) -> str:
        return self.year_heading_format.format(year=year)

    def year_of(self, section: Section) -> int | None:
        """The year a year heading stands for, or None for any other heading."""
        if self.year_heading_level is not None and section.level != self.year_heading_level:
            return None
        match = _year_pattern(self.year_heading_format).fullmatch(" ".join(section.title.split()))
        return int(match.group(1)) if match else None


def settings_from_config(config: Any, layout: str | None = None) -> StubSettings:
    """Settings from ``[tool.blogtool.stub]`` (``layout`` from ``--layout`` wins); a bad
    value is a :class:`StubError`."""
    table = config.section("stub")
    top_level = config.paper_heading_level if config.paper_heading_level != 3 else None
    try:
        return StubSettings(
            placement=table.get("placement", "year"),
            year_heading_level=table.get("year_heading_level"),
            paper_heading_level=table.get("paper_heading_level", top_level),
            year_heading_format=table.get("year_heading_format", "{year}"),
            layout=layout or table.get("layout"),
        )
    except StubError as exc:
        where = "--layout" if layout and "layout" in str(exc) else config.where("stub")
        raise StubError(f"{where}: {exc}" if layout else f"{where}: [stub] {exc}") from None


def _year_pattern(fmt: str) -> re.Pattern[str]:
    """A pattern matching the (whitespace-collapsed) titles ``fmt`` makes, the year captured."""
    pieces: list[str] = []
    years = 0
    try:
        for literal, field_name, spec, conversion in Formatter().parse(" ".join(fmt.split())):
            pieces.append(re.escape(literal))
            if field_name is None:
                continue
            if field_name != "year" or spec or conversion:
                raise StubError(
                    f"year_heading_format {fmt!r} may only use the placeholder {{year}}"
                )
            years += 1
            pieces.append(r"(\d{4})")
    except ValueError as exc:
        raise StubError(f"year_heading_format {fmt!r}: {exc}") from None
    if years != 1:
        raise StubError(f"year_heading_format {fmt!r} must hold {{year}} once")
    return re.compile("".join(pieces), re.I)
