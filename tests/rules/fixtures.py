"""Reader of the rule fixture files in tests/rules/fixtures/ (format in any of them)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Case:
    file: str
    title: str
    source: str
    expected: tuple[tuple[int, int, str], ...]
    rules: tuple[str, ...]
    options: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)  # top-level settings, such as the flavor

    @property
    def id(self) -> str:
        return f"{self.file}: {self.title}"


def parse_fixture(path: Path) -> list[Case]:
    rules = tuple(re.findall(r"BT\d{3}", path.stem.split("-")[0])) or (path.stem.split("-")[0],)
    lines = [ln for ln in path.read_text(encoding="utf-8").split("\n")]
    cases: list[Case] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        title = line.strip()
        i += 1
        options = {}
        config = {}
        while lines[i].startswith(("options:", "config:")):
            key, _, value = lines[i].partition(":")
            if key == "options":
                options = json.loads(value)
            else:
                config = json.loads(value)
            i += 1
        assert lines[i] == ".", f"{path}:{i + 1}: expected '.' after the title {title!r}"
        i += 1
        body: list[str] = []
        while lines[i] != ".":
            body.append(lines[i])
            i += 1
        i += 1
        expected = []
        while lines[i] != ".":
            where, rule_id = lines[i].split()
            ln, col = where.split(":")
            expected.append((int(ln), int(col), rule_id))
            i += 1
        i += 1
        source = "\n".join(body) + "\n"
        cases.append(Case(path.name, title, source, tuple(expected), rules, options, config))
    return cases


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        cases.extend(parse_fixture(path))
    return cases
