"""User-editable rule data: the phrase lists and patterns in the top-level ``rules/`` folder.

The folder ships inside the package as ``blogtool._data`` (see pyproject.toml), so an
installed blogtool has the same defaults as a checkout. A project adds to them with
``rules_dirs = ["my-rules"]`` in its config: a ``.txt`` list there extends the built-in
list of the same name, a ``.toml`` table is merged key by key (lists are extended).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class RuleDataError(ValueError):
    pass


_SUFFIXES = (".txt", ".toml")


@dataclass
class RuleData:
    extra_dirs: tuple[Path, ...] = ()
    _lines: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _tables: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)
    # every file's text, once read_all() has run: then no rule reads the disk
    _files: dict[str, list[tuple[str, str]]] | None = field(default=None, repr=False)
    _unreadable: dict[str, str] = field(default_factory=dict, repr=False)

    def read_all(self) -> RuleData:
        """Read every rule-data file (built-in, then each rules dir) now, before any rule
        runs, so that rules are functions of what was read. A file that cannot be read is
        reported when a rule asks for it, as before."""
        files: dict[str, list[tuple[str, str]]] = {}
        for entry in sorted(resources.files("blogtool._data").iterdir(), key=lambda e: e.name):
            if entry.name.endswith(_SUFFIXES) and entry.is_file():
                text = entry.read_text(encoding="utf-8")
                files.setdefault(entry.name, []).append((f"<built-in>/{entry.name}", text))
        for directory in self.extra_dirs:
            for path in sorted(Path(directory).glob("*")):
                if not path.name.endswith(_SUFFIXES) or not path.is_file():
                    continue
                try:
                    files.setdefault(path.name, []).append(
                        (str(path), path.read_text(encoding="utf-8"))
                    )
                except (OSError, UnicodeDecodeError) as exc:
                    self._unreadable[path.name] = f"{path}: cannot read rule data: {exc}"
        self._files = files
        return self

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """What ``build`` makes from this data (compiled phrase patterns), made once per
        RuleData rather than once per draft; ``key`` names it and the inputs it depends on."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def _sources(self, filename: str) -> list[tuple[str, str]]:
        if self._files is not None:
            if filename in self._unreadable:
                raise RuleDataError(self._unreadable[filename])
            return list(self._files.get(filename, ()))
        found: list[tuple[str, str]] = []
        builtin = resources.files("blogtool._data").joinpath(filename)
        if builtin.is_file():
            found.append((f"<built-in>/{filename}", builtin.read_text(encoding="utf-8")))
        for directory in self.extra_dirs:
            path = directory / filename
            if path.is_file():
                try:
                    found.append((str(path), path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError) as exc:
                    raise RuleDataError(f"{path}: cannot read rule data: {exc}") from None
        return found

    def lines(self, name: str) -> list[str]:
        """Entries of ``name.txt``: one a line, ``#`` starts a comment line."""
        if name not in self._lines:
            entries: list[str] = []
            for _, text in self._sources(f"{name}.txt"):
                for line in text.splitlines():
                    line = line.strip()
                    if line and not line.startswith("#"):
                        entries.append(line)
            self._lines[name] = entries
        return self._lines[name]

    def table(self, name: str) -> dict[str, Any]:
        """``name.toml`` merged over every rules dir."""
        if name not in self._tables:
            merged: dict[str, Any] = {}
            for origin, text in self._sources(f"{name}.toml"):
                try:
                    data = tomllib.loads(text)
                except tomllib.TOMLDecodeError as exc:
                    raise RuleDataError(f"{origin}: {exc}") from None
                for key, value in data.items():
                    if isinstance(value, list) and isinstance(merged.get(key), list):
                        merged[key] = merged[key] + value
                    else:
                        merged[key] = value
            self._tables[name] = merged
        return self._tables[name]

    def patterns(self, name: str, flags: int = 0) -> list[re.Pattern[str]]:
        compiled = []
        for entry in self.lines(name):
            try:
                compiled.append(re.compile(entry, flags))
            except re.error as exc:
                raise RuleDataError(f"{name}.txt: bad pattern {entry!r}: {exc}") from None
        return compiled
