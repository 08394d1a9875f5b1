"""``[tool.blogtool]`` in pyproject.toml, or a ``blogtool.toml``, validated with clear errors.

The nearest file walking up from the linted path wins; ``--config PATH`` overrides.
Unknown keys and values of the wrong type are errors that name the file, line and key.

The Markdown *flavor* (which renderer the blog uses) is a setting like the others, and when
no file sets it, :func:`detect_flavor` reads it off the site around a draft. Both are I/O,
done here at the edge; rules only read the resolved name from their context.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sources import Excludes


class ConfigError(ValueError):
    """A configuration problem, already worded for the user."""


# Keys of the tables outside [tool.blogtool.rules.*]; each maps to its accepted type(s).
SCHEMA: dict[str, dict[str, Any]] = {
    "": {
        "select": list,
        "ignore": list,
        "rules_dirs": list,
        "exclude": list,
        "max_file_size": int,
        "drafts": list,
        "paper_heading_level": int,
        "flavor": str,
        "rules": dict,
        "spelling": dict,
        "links": dict,
        "arxiv": dict,
        "stub": dict,
        "report": dict,
    },
    "spelling": {
        "enabled": bool,
        "backend": str,
        "dialect": str,
        "languagetool_url": str,
        "languagetool_dir": str,
        "vocabulary": list,
        "words": list,
        "cache": bool,
        "check_capitalized": bool,
        "either_dialect": bool,
        "disabled_rules": list,
        "grammar_rules": list,  # the backend rules BT602 runs (blogtool.rules.spelling)
    },
    "links": {
        "accept": str,
        "timeout": (int, float),
        "max_concurrency": int,
        "max_per_host": int,
        "min_host_interval": (int, float),
        "max_retries": int,
        "max_retry_wait": (int, float),
        "exclude": list,
        "headers": dict,
        "user_agent": str,
        "cache_max_age": (int, float),
        "cache_dir": str,
        "check_in_lint": bool,
        "site_root": str,
        "max_body_bytes": int,
        "allow_private": bool,
    },
    "arxiv": {
        "api_url": str,
        "min_interval": (int, float),
        "timeout": (int, float),
        "cache_max_age": (int, float),
        "max_response_bytes": int,
        "max_wait": (int, float),
    },
    "stub": {
        "draft": str,
        "template": str,
        "year_heading_level": int,
        "paper_heading_level": int,
        "year_heading_format": str,
        "placement": str,
        "layout": str,
        "templates": dict,
        "search": list,
    },
    "report": {
        "todo_rules": list,
        "fail_under": (int, float),
        "baseline": str,
    },
}

DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024

# [arxiv] numbers: (smallest, largest) accepted. A wait without an upper bound (inf) would
# freeze a run; NaN compares false with everything and would slip past any check.
_ARXIV_RANGES: dict[str, tuple[float, float]] = {
    "min_interval": (0.0, 600.0),
    "timeout": (0.001, 3600.0),
    "max_wait": (0.0, 86400.0),
    "cache_max_age": (0.0, math.inf),
    "max_response_bytes": (1024, 1 << 30),
}

# The Markdown renderers whose differences change what a rule reports: kramdown (Jekyll's
# default), GitHub-flavoured Markdown (cmark-gfm and the parsers that follow its spec),
# plain CommonMark, and goldmark (Hugo's, with its linkify extension on as Hugo ships it).
FLAVORS = ("kramdown", "gfm", "commonmark", "goldmark")
DEFAULT_FLAVOR = "gfm"  # a draft outside any Jekyll or Hugo site


@dataclass
class Config:
    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rules_dirs: list[Path] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    drafts: list[str] = field(default_factory=list)  # globs of work in progress (blogtool.wip)
    paper_heading_level: int = 3
    flavor: str | None = None  # None: detected from the site around each draft
    rule_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    prefix: str = ""  # the table holding blogtool's settings: "tool.blogtool" in pyproject.toml
    given: frozenset[str] = frozenset()  # the top-level keys the config file sets

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.get(name, {})

    @property
    def excludes(self) -> Excludes:
        """The ``exclude`` patterns, relative to the config file's directory."""
        from .sources import Excludes

        return Excludes(self.exclude, self.root)

    def is_set(self, key: str) -> bool:
        """Whether the config file sets this top-level key (else its value is the default)."""
        return key in self.given

    def where(self, key: str) -> str:
        """``file:line`` of a dotted key (``rules.BT101.severity``), for error messages."""
        return _locate_key(self.path, key, self.prefix)


def find_config(start: Path) -> Path | None:
    """The nearest blogtool.toml, or pyproject.toml holding [tool.blogtool], above ``start``."""
    here = start.resolve()
    if here.is_file() or not here.exists():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "blogtool.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if re.search(r"^\s*\[tool\.blogtool\b", text, re.M):
                return candidate
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(path, text, exc)) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("blogtool", {}) if isinstance(tool, dict) else None
        prefix = "tool.blogtool"
        if not isinstance(table, dict):
            where = _locate_key(path, "tool.blogtool")
            raise ConfigError(f"{where}: tool.blogtool must be a table: [tool.blogtool]")
    else:
        table = data
        prefix = ""
    config = Config(path=path, root=path.parent, prefix=prefix)
    _validate(config, table, prefix)
    return config


def config_from_table(table: dict[str, Any]) -> Config:
    """A Config from settings already parsed (tests, embedders), validated as a file's are."""
    config = Config()
    _validate(config, table, "")
    return config


# Files that name a site's renderer. A Jekyll site renders with kramdown unless its
# _config.yml chooses another converter; a Hugo site renders with goldmark. A bare
# config.toml is Hugo's older name but also other tools' (Zola's), so it needs more evidence.
_JEKYLL_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")
_GENERIC_CONFIGS = ("config.toml", "config.yaml", "config.yml", "config.json")
_HUGO_DIRS = ("archetypes", "layouts")
_HUGO_BASE_URL = re.compile(r"""^\s*["']?baseurl["']?\s*[=:]""", re.I | re.M)
_JEKYLL_MARKDOWN = re.compile(r"""^markdown\s*[:=]\s*["']?([A-Za-z]+)""", re.M)


def detect_flavor(start: Path, stop: Path | None = None) -> str:
    """The Markdown flavor of the site holding ``start`` (a draft or its directory).

    Walks up from ``start`` and takes the nearest directory that holds a site config: a
    Jekyll ``_config.yml`` means kramdown (or what its ``markdown:`` key names), a Hugo
    ``hugo.toml``/``hugo.yaml`` (or a ``config.toml`` with ``baseURL`` or beside
    ``layouts/``) means goldmark. The walk ends at ``stop`` (the directory of the blogtool
    config) or at the root of a git repository; with no site found the answer is gfm.
    """
    here = _resolved(start)
    if not _is_dir(here):
        here = here.parent
    end = _resolved(stop) if stop is not None else None
    for directory in (here, *here.parents):
        found = _site_flavor(directory)
        if found:
            return found
        if directory == end or _safely((directory / ".git").exists):
            break
    return DEFAULT_FLAVOR


def _site_flavor(directory: Path) -> str | None:
    for name in _JEKYLL_CONFIGS:
        if _is_file(directory / name):
            return _jekyll_flavor(directory / name)
    if any(_is_file(directory / name) for name in _HUGO_CONFIGS):
        return "goldmark"
    if _is_dir(directory / "config" / "_default"):  # Hugo's configuration directory
        return "goldmark"
    for name in _GENERIC_CONFIGS:
        path = directory / name
        if _is_file(path) and (
            any(_is_dir(directory / d) for d in _HUGO_DIRS) or _HUGO_BASE_URL.search(_read(path))
        ):
            return "goldmark"
    return None


def _jekyll_flavor(path: Path) -> str:
    """kramdown, unless ``markdown:`` picks jekyll-commonmark (GitHub Pages' is GFM)."""
    text = _read(path)
    chosen = _JEKYLL_MARKDOWN.search(text)
    converter = chosen.group(1).lower() if chosen else "kramdown"
    if converter == "commonmarkghpages":
        return "gfm"
    if converter == "commonmark":
        # jekyll-commonmark turns on cmark-gfm's extensions only when listed
        return "gfm" if re.search(r"\bautolink\b", text) else "commonmark"
    return "kramdown"


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _is_file(path: Path) -> bool:
    return _safely(path.is_file)


def _is_dir(path: Path) -> bool:
    return _safely(path.is_dir)


def _safely(test: Callable[[], bool]) -> bool:
    """pathlib raises for some errors (a directory we may not read): what we cannot see is
    absent."""
    try:
        return test()
    except OSError:
        return False


_TOML_POSITION = re.compile(r".* \(at line (\d+), column (\d+)\)", re.S)


def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """``file:line: invalid TOML: why (at line, column) in key k``; the key when the error
    lies in its value."""
    found = _TOML_POSITION.fullmatch(str(exc))
    if found is None:  # "(at end of document)": an unclosed array or string
        return f"{path}:{max(1, len(text.splitlines()))}: invalid TOML: {exc}"
    line, col = int(found.group(1)), int(found.group(2))
    table: tuple[str, ...] = ()
    key = ""
    for number, content in enumerate(text.splitlines()[:line], 1):
        header = _TABLE_HEADER.match(content)
        if header:
            table = _dotted(header.group(1))
            continue
        assignment = _KEY_LINE.match(content)
        if number == line and assignment and col > assignment.end():
            key = ".".join(table + _dotted(assignment.group(1)))
    shown = f" in key {key}" if key else ""
    return f"{path}:{line}: invalid TOML: {exc}{shown}"


def _validate(config: Config, table: dict[str, Any], prefix: str) -> None:
    def fail(key: str, why: str) -> None:
        dotted = f"{prefix}.{key}" if prefix else key
        raise ConfigError(f"{config.where(key)}: {why} ({dotted})")

    for key, value in table.items():
        _check(key, value, SCHEMA[""], fail)
    config.given = frozenset(table)
    for name, schema in SCHEMA.items():
        if name and name in table:
            for key, value in table[name].items():
                _check(f"{name}.{key}", value, schema, fail, short=key)
            config.sections[name] = dict(table[name])
            config.sections[name]["_root"] = str(config.root)
    config.select = [str(x) for x in table.get("select", [])]
    config.ignore = [str(x) for x in table.get("ignore", [])]
    config.exclude = [str(x) for x in table.get("exclude", [])]
    if config.exclude:
        from .sources import compile_excludes

        try:
            compile_excludes(config.exclude)
        except ValueError as exc:
            fail("exclude", f"exclude: {exc}")
    config.drafts = [str(x) for x in table.get("drafts", [])]
    config.rules_dirs = [config.root / str(p) for p in table.get("rules_dirs", [])]
    for directory in config.rules_dirs:
        if not directory.is_dir():
            fail("rules_dirs", f"rules_dirs: {directory} is not a directory")
    _check_arxiv(table.get("arxiv", {}), fail)
    config.max_file_size = int(table.get("max_file_size", DEFAULT_MAX_FILE_SIZE))
    config.paper_heading_level = int(table.get("paper_heading_level", 3))
    if config.max_file_size < 1:
        fail(
            "max_file_size",
            f"max_file_size must be a positive number of bytes, not {config.max_file_size}",
        )
    if not 1 <= config.paper_heading_level <= 6:
        fail(
            "paper_heading_level",
            f"paper_heading_level must be 1 to 6, not {config.paper_heading_level}",
        )
    if "flavor" in table:
        config.flavor = str(table["flavor"])
        if config.flavor not in FLAVORS:
            fail("flavor", f"flavor must be one of {', '.join(FLAVORS)}, not {config.flavor!r}")
    rules = table.get("rules", {})
    for key, settings in rules.items():
        if not isinstance(settings, dict):
            fail(f"rules.{key}", "expected a table of settings for the rule")
        config.rule_settings[key] = dict(settings)


def _check_arxiv(section: dict[str, Any], fail: Any) -> None:
    for key, (low, high) in _ARXIV_RANGES.items():
        value = section.get(key)
        if value is not None and not low <= value <= high:
            fail(f"arxiv.{key}", f"arxiv.{key} must be between {low:g} and {high:g}, not {value}")
    url = section.get("api_url")
    if url is not None:
        from .net.http import http_url_problem

        problem = http_url_problem(url)
        if problem:
            fail("arxiv.api_url", f"invalid arXiv API URL {url!r}: {problem}")


def _check(key: str, value: Any, schema: dict[str, Any], fail: Any, short: str = "") -> None:
    short = short or key
    if short not in schema:
        known = ", ".join(sorted(schema))
        fail(key, f"unknown key {short!r} (known: {known})")
    expected = schema[short]
    if isinstance(value, bool) and expected is not bool and bool not in _as_tuple(expected):
        fail(key, f"expected {_type_name(expected)}, got a boolean")
    if not isinstance(value, expected):
        fail(key, f"expected {_type_name(expected)}, got {type(value).__name__}")


def _as_tuple(t: Any) -> tuple:
    return t if isinstance(t, tuple) else (t,)


def _type_name(t: Any) -> str:
    names = {
        list: "a list",
        dict: "a table",
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
    }
    return " or ".join(names.get(x, x.__name__) for x in _as_tuple(t))


def _locate_key(path: Path | None, key: str, prefix: str = "") -> str:
    """``file:line`` of the dotted ``key`` inside the table ``prefix`` (``tool.blogtool``).

    Headers are followed, so ``select`` is looked for in blogtool's own table and not in
    ``[tool.ruff]``, and ``rules.BT102.severity`` is found under ``[rules.BT102]``. A bare key
    (``fail_under``) matches that key in any of blogtool's tables. When the key itself is not
    written out (an inline table), the line of the nearest enclosing table or key is given.
    """
    if path is None:
        return "<config>"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    wanted = _dotted(key)
    base = _dotted(prefix)
    exact = suffix = enclosing = 0
    enclosing_depth = 0
    table: tuple[str, ...] = ()
    for number, line in enumerate(lines, 1):
        header = _TABLE_HEADER.match(line)
        if header:
            table = _dotted(header.group(1))
            found = table
        else:
            assignment = _KEY_LINE.match(line)
            if assignment is None:
                continue
            found = table + _dotted(assignment.group(1))
        if found[: len(base)] != base:
            continue
        inside = found[len(base) :]
        if inside == wanted:
            exact = exact or number
        elif wanted and len(inside) > len(wanted) and inside[-len(wanted) :] == wanted:
            suffix = suffix or number
        elif inside == wanted[: len(inside)] and len(inside) > enclosing_depth:
            enclosing, enclosing_depth = number, len(inside)
    number = exact or suffix or enclosing
    return f"{path}:{number}" if number else str(path)


_BARE_KEY = r"[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*'"
_DOTTED_KEY = rf"(?:{_BARE_KEY})(?:[ \t]*\.[ \t]*(?:{_BARE_KEY}))*"
_TABLE_HEADER = re.compile(rf"^[ \t]*\[\[?[ \t]*({_DOTTED_KEY})[ \t]*\]")
_KEY_LINE = re.compile(rf"^[ \t]*({_DOTTED_KEY})[ \t]*=")
_KEY_PART = re.compile(_BARE_KEY)


def _dotted(key: str) -> tuple[str, ...]:
    """``a."b.c".d`` as ``("a", "b.c", "d")``."""
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(key))
