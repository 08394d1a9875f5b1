"""Dates as people write them in headings, and how to write another the same way.

A diary draft dates its entries (``### 26th January``, ``January 26, 2025``,
``2025-01-26``, ``Mon 3 Feb``); the paper locator asks whether a heading is a date, and
stub writes a new entry's date in the draft's own style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?P<ordinal>st|nd|rd|th)?"
_WEEKDAY = r"(?:(?P<weekday>[A-Za-z]{3,9})\.?,?\s+)?"
_YEAR = r"(?:(?P<comma>,)?\s+(?P<year>\d{4}))?"
_DAY_FIRST = re.compile(rf"{_WEEKDAY}{_DAY}(?:\s+of)?\s+{_MONTH}{_YEAR}", re.I)
_MONTH_FIRST = re.compile(rf"{_WEEKDAY}{_MONTH}\s+{_DAY}{_YEAR}", re.I)
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")


def _month_number(name: str) -> int | None:
    name = name.lower()
    for i, month in enumerate(_MONTHS, 1):
        if name == month or (len(name) >= 3 and month.startswith(name) and len(name) <= 4):
            return i
    return None


def _weekday_ok(name: str | None) -> bool:
    if name is None:
        return True
    name = name.lower()
    return any(day == name or (len(name) >= 3 and day.startswith(name)) for day in _WEEKDAYS)


@dataclass(frozen=True)
class DateStyle:
    """How a draft writes a date; :meth:`format` writes another the same way."""

    order: str  # "dmy", "mdy" or "iso"
    ordinal: bool = False  # 26th
    month: str = "full"  # "full" (January) or "abbr" (Jan)
    month_case: str = "title"  # "title", "lower" or "upper"
    year: bool = False
    comma: bool = False  # "January 26, 2025"
    weekday: str = ""  # "", "full" (Monday) or "abbr" (Mon)
    of: bool = False  # "26th of January"

    def format(self, day: date) -> str:
        if self.order == "iso":
            return day.isoformat()
        month = _MONTHS[day.month - 1]
        month = month[:3] if self.month == "abbr" else month
        month = {"lower": month, "upper": month.upper()}.get(self.month_case, month.title())
        number = f"{day.day}{_ordinal(day.day) if self.ordinal else ''}"
        weekday = ""
        if self.weekday:
            name = _WEEKDAYS[day.weekday()]
            name = name[:3] if self.weekday == "abbr" else name
            weekday = (name.upper() if self.month_case == "upper" else name.title()) + " "
        if self.order == "mdy":
            text = f"{month} {number}"
        else:
            text = f"{number} {'of ' if self.of else ''}{month}"
        if self.year:
            text += f"{',' if self.comma else ''} {day.year}"
        return weekday + text


ISO_STYLE = DateStyle("iso")


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def parse_date_title(title: str) -> tuple[DateStyle, tuple[int, int, int | None]] | None:
    """A heading that is a date: its style and ``(month, day, year or None)``; else None."""
    text = " ".join(title.split()).strip(" *_")
    match = _ISO.fullmatch(text)
    if match:
        month, day = int(match.group("month")), int(match.group("day"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return ISO_STYLE, (month, day, int(match.group("year")))
        return None
    for order, pattern in (("dmy", _DAY_FIRST), ("mdy", _MONTH_FIRST)):
        match = pattern.fullmatch(text)
        if not match or not _weekday_ok(match.group("weekday")):
            continue
        name = match.group("month")
        month = _month_number(name)
        day = int(match.group("day"))
        if month is None or not 1 <= day <= 31:
            continue
        case = (
            "upper"
            if name.isupper() and len(name) > 1
            else ("lower" if name.islower() else "title")
        )
        weekday = match.group("weekday")
        style = DateStyle(
            order=order,
            ordinal=bool(match.group("ordinal")),
            month="full" if name.lower() in _MONTHS else "abbr",
            month_case=case,
            year=bool(match.group("year")),
            comma=bool(match.group("comma")),
            weekday="" if not weekday else ("full" if weekday.lower() in _WEEKDAYS else "abbr"),
            of=" of " in text.lower(),
        )
        year = int(match.group("year")) if match.group("year") else None
        return style, (month, day, year)
    return None
