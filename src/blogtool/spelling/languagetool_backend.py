"""LanguageTool through language-tool-python, only ever a local one.

Two ways to point blogtool at LanguageTool, checked in this order:

- a running server: ``[tool.blogtool.spelling] languagetool_url = "http://127.0.0.1:8081"``;
- an unpacked LanguageTool directory (``LanguageTool-6.6/`` holding
  ``languagetool-server.jar``): ``languagetool_dir = "..."`` or the environment variable
  ``LTP_JAR_DIR_PATH``. language-tool-python then starts the server with Java.

With neither, :class:`BackendUnavailable` is raised before language-tool-python is even
imported: left alone, it would download a 250 MB LanguageTool archive.

language-tool-python 3.x quirks handled here: ``LTP_JAR_DIR_PATH`` only stops the
download; the jar is looked up as ``$LTP_PATH/LanguageTool-<version>``, so both variables
are set (for the duration of each call) from the directory given, whose name must carry
the version. LanguageTool reports UTF-16 offsets; the library fixes the start for
characters outside the BMP but not the length, so the end is recomputed here.
"""

from __future__ import annotations

import contextlib
import os
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogtool.net.http import OFFLINE_ENV
from blogtool.net.http import offline as is_offline
from blogtool.spelling.backends import BackendBase, BackendUnavailable, Finding, FindingKind
from blogtool.spelling.dialect import Dialect

if TYPE_CHECKING:
    from blogtool.spelling.vocabulary import Vocabulary

__all__ = ["DEFAULT_DISABLED_RULES", "LanguageToolBackend", "languagetool_kind"]

NOT_CONFIGURED = (
    "LanguageTool is not configured: set [tool.blogtool.spelling] "
    'languagetool_url = "http://127.0.0.1:8081" for a running LanguageTool server, or '
    "set LTP_JAR_DIR_PATH (or languagetool_dir) to an unpacked LanguageTool directory; "
    "blogtool never downloads LanguageTool"
)
JAR_NAMES = ("languagetool-server.jar", "languagetool.jar")
# Runs of spaces are invisible in rendered Markdown, and blanked code leaves plenty.
DEFAULT_DISABLED_RULES = frozenset({"WHITESPACE_RULE"})
_GRAMMAR_CATEGORIES = frozenset({"GRAMMAR", "CONFUSED_WORDS"})
_GRAMMAR_ISSUE_TYPES = frozenset({"grammar", "duplication"})
# Rules LanguageTool files as "misspelling" that are about the choice of word.
_GRAMMAR_RULES = frozenset({"EN_A_VS_AN"})
_VERSIONED_DIR = re.compile(r"LanguageTool-(\d+\.\d+|\d{8}|latest)$")


def languagetool_kind(rule_id: str, issue_type: str, category: str) -> FindingKind:
    """blogtool's kind for a LanguageTool match."""
    if category in _GRAMMAR_CATEGORIES or rule_id in _GRAMMAR_RULES or "CONFUSION" in rule_id:
        return "grammar"
    if issue_type == "misspelling":
        return "spelling"
    if issue_type in _GRAMMAR_ISSUE_TYPES:
        return "grammar"
    return "style"


class LanguageToolBackend(BackendBase):
    """A LanguageTool server, reached or started on the first :meth:`check`.

    The constructor only validates the configuration (and raises
    :class:`BackendUnavailable` when there is none); it starts and contacts nothing.
    """

    name = "languagetool"

    def __init__(
        self,
        dialect: Dialect = Dialect.AMERICAN,
        vocabulary: Vocabulary | None = None,
        *,
        url: str | None = None,
        directory: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        disabled_rules: frozenset[str] = DEFAULT_DISABLED_RULES,
        ignore_words_with_digits: bool = True,
        offline: bool = False,  # lint --offline: no connection, even to this machine
    ) -> None:
        super().__init__(dialect, vocabulary, disabled_rules, ignore_words_with_digits)
        self._tool: Any = None
        env = os.environ if environ is None else environ
        self.url: str | None = _check_url(url) if url else None
        if self.url is not None and (offline or is_offline(env)):
            # A server at a URL is reached over the network, even on this machine: --offline
            # promises no connection at all.
            raise BackendUnavailable(
                f"LanguageTool at {self.url} was not contacted: --offline (or "
                f"${OFFLINE_ENV}) allows no network connection"
            )
        self.directory: Path | None = None
        self._version = ""
        if self.url is None:
            chosen = directory or env.get("LTP_JAR_DIR_PATH")
            if not chosen:
                raise BackendUnavailable(NOT_CONFIGURED)
            self.directory, self._version = _check_directory(Path(chosen))

    @property
    def where(self) -> str:
        return self.url if self.url is not None else str(self.directory)

    def _findings(self, text: str) -> list[Finding]:
        tool = self._get_tool()
        try:
            with self._environment():
                matches = tool.check(text)
        except Exception as exc:  # requests, LanguageToolError, bad JSON ...
            raise BackendUnavailable(
                f"LanguageTool at {self.where} failed: {_describe(exc)}"
            ) from None
        return [_finding(text, match) for match in matches]

    def close(self) -> None:
        """Stop the server this backend started (a server at a URL is left running)."""
        tool, self._tool = self._tool, None
        if tool is not None:
            with self._environment(), contextlib.suppress(Exception):
                tool.close()

    def _get_tool(self) -> Any:
        if self._tool is None:
            try:
                import language_tool_python
            except ImportError as exc:
                raise BackendUnavailable(f"language-tool-python is not installed: {exc}") from None
            try:
                with self._environment():
                    if self.url is not None:
                        tool = language_tool_python.LanguageTool(
                            self.dialect.language_tag, remote_server=self.url
                        )
                    else:
                        tool = language_tool_python.LanguageTool(
                            self.dialect.language_tag,
                            language_tool_download_version=self._version,
                        )
            except (Exception, SystemExit) as exc:
                # Connection refused, Java missing or too old (the library raises
                # SystemExit for an unreadable `java -version`), server exiting early ...
                raise BackendUnavailable(
                    f"LanguageTool at {self.where} is unavailable: {_describe(exc)}"
                ) from None
            tool.disabled_rules = set(self.disabled_rules)
            self._tool = tool
        return self._tool

    @contextlib.contextmanager
    def _environment(self) -> Iterator[None]:
        """Point language-tool-python at ``self.directory`` (and nowhere to download)."""
        if self.directory is None:
            yield
            return
        wanted = {"LTP_JAR_DIR_PATH": str(self.directory), "LTP_PATH": str(self.directory.parent)}
        saved = {key: os.environ.get(key) for key in wanted}
        os.environ.update(wanted)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _check_url(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise BackendUnavailable(
            f"languagetool_url {url!r} is not an http(s) URL such as http://127.0.0.1:8081"
        )
    return url


def _check_directory(directory: Path) -> tuple[Path, str]:
    directory = directory.expanduser().resolve()
    if not directory.is_dir():
        raise BackendUnavailable(f"LanguageTool directory {directory} does not exist")
    if not any((directory / name).is_file() for name in JAR_NAMES):
        raise BackendUnavailable(
            f"LanguageTool directory {directory} has no {' or '.join(JAR_NAMES)}; "
            "point at the unpacked LanguageTool-<version> folder"
        )
    match = _VERSIONED_DIR.search(directory.name)
    if match is None:
        raise BackendUnavailable(
            f"LanguageTool directory {directory} must be named LanguageTool-<version> "
            "(e.g. LanguageTool-6.6), as language-tool-python finds the jar by that name"
        )
    return directory, match.group(1)


def _finding(text: str, match: Any) -> Finding:
    # language-tool-python has already turned the UTF-16 offset into a str index.
    start = min(max(int(match.offset), 0), len(text))
    end = _advance_utf16(text, start, int(match.error_length))
    return Finding(
        start=start,
        end=end,
        word=text[start:end],
        kind=languagetool_kind(match.rule_id, match.rule_issue_type, match.category),
        message=match.message,
        suggestions=tuple(dict.fromkeys(match.replacements)),
        backend_rule=match.rule_id,
    )


def _advance_utf16(text: str, start: int, units: int) -> int:
    """The ``str`` index ``units`` UTF-16 code units after ``start``."""
    index = start
    while units > 0 and index < len(text):
        units -= 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    return index


def _describe(exc: BaseException) -> str:
    """One line for the user: the root network cause when there is one, else the message."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (is the LanguageTool server running?)"
        if isinstance(cause, TimeoutError):
            return "timed out"
        cause = cause.__cause__ or cause.__context__
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= 300 else message[:297] + "..."
