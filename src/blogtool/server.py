"""``blogtool server``: the linter as a Language Server Protocol server over stdio.

One long-lived process per editor: the rules, the parsed vocabulary and the spelling backend
are loaded once, so after the first lint an edit costs the rules' time on the changed
draft, and spelling only for the paragraphs that changed (blogtool.spelling.service keeps
one backend per settings per process, and caches findings per paragraph).

What it does:

- diagnostics when a draft is opened, and again ~200 ms after the last change (changes
  arrive incrementally); positions are the CLI's, converted to LSP's 0-based lines and
  UTF-16 columns; the rule id is the diagnostic's ``code``;
- a quick fix for every finding that carries a :class:`~blogtool.violation.Fix`, a
  "fix all safe fixes" source action, and "add a section for this paper" on an arXiv link
  (what ``blogtool stub`` does, with the same cache and ``[arxiv]`` settings);
- hover on a diagnostic: the rule's documentation, as ``blogtool rules ID`` prints it;
- the configuration of the draft's project (the nearest ``blogtool.toml`` or
  ``pyproject.toml`` with ``[tool.blogtool]``), read again when the client reports that the
  file changed or when its modification time moved; a bad config is a window message.

Nothing a draft, a rule or a config does stops the server: a crashing rule is a BT000
diagnostic (as in the CLI), any other failure of a lint a window message.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from . import __version__
from .config import ConfigError
from .document import Document, normalize_text
from .violation import Fix, Severity, Violation

log = logging.getLogger(__name__)

SOURCE = "blogtool"
DEBOUNCE_SECONDS = 0.2
ADD_PAPER_COMMAND = "blogtool.addPaperSection"
CONFIG_NAMES = ("pyproject.toml", "blogtool.toml")

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


# --- positions ------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """How many UTF-16 code units ``text`` takes: LSP's default column unit."""
    # surrogatepass: a lone surrogate in a buffer is one unit, as the editor counts it
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class PositionMap:
    """Between blogtool's positions and LSP's, for one version of an editor buffer.

    blogtool reads ``Document.text``: the buffer with a BOM dropped and CRLF/CR turned into
    LF, lines and columns 1-based, columns counting characters. LSP counts lines from 0
    (CRLF, CR and LF all end one) and columns in UTF-16 code units of the buffer's line, so
    a character outside the BMP (an emoji, a math letter such as U+1D465) is two.
    """

    def __init__(self, source: str) -> None:
        self.bom = source.startswith("\ufeff")
        self.text = normalize_text(source)
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        crlf = source.count("\r\n")
        self.newline = "\r\n" if crlf and crlf * 2 >= source.count("\n") else "\n"

    def _line(self, index: int) -> str:
        start = self.line_starts[index]
        end = (
            self.line_starts[index + 1] - 1 if index + 1 < len(self.line_starts) else len(self.text)
        )
        return self.text[start:end]

    def position(self, line: int, col: int) -> types.Position:
        """The LSP position of blogtool's 1-based ``line``:``col``."""
        index = min(max(line, 1), len(self.line_starts)) - 1
        text = self._line(index)
        chars = min(max(col, 1) - 1, len(text))
        shift = 1 if self.bom and index == 0 else 0  # the editor still shows the BOM
        return types.Position(line=index, character=utf16_len(text[:chars]) + shift)

    def at_offset(self, offset: int) -> types.Position:
        """The LSP position of an offset into ``Document.text``."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return self.position(index + 1, offset - self.line_starts[index] + 1)

    def offset(self, position: types.Position) -> int:
        """The offset into ``Document.text`` of an LSP position (clamped to its line)."""
        index = min(max(position.line, 0), len(self.line_starts) - 1)
        text = self._line(index)
        units = position.character - (1 if self.bom and index == 0 else 0)
        chars = 0
        for ch in text:
            step = 2 if ord(ch) > 0xFFFF else 1
            if units < step:
                break
            units -= step
            chars += 1
        return self.line_starts[index] + chars

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.at_offset(start), end=self.at_offset(end))


# --- diagnostics, fixes, documentation -------------------------------------------------------


def to_diagnostic(
    violation: Violation, positions: PositionMap, docs_url: str | None = None
) -> types.Diagnostic:
    """One finding as an LSP diagnostic; ``docs_url`` is a template with ``{id}``/``{name}``."""
    start = positions.position(violation.line, violation.col)
    if violation.end_line:
        end = positions.position(violation.end_line, violation.end_col)
    else:
        end = start
    if (end.line, end.character) <= (start.line, start.character):
        # an empty range is drawn as nothing by some editors: cover the next character
        end = positions.position(violation.line, violation.col + 1)
    description = None
    if docs_url and violation.rule_name:
        href = docs_url.format(id=violation.rule_id, name=violation.rule_name)
        description = types.CodeDescription(href=href)
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=violation.message,
        severity=_SEVERITY.get(violation.severity, types.DiagnosticSeverity.Hint),
        code=violation.rule_id,
        code_description=description,
        source=SOURCE,
    )


def fix_edits(fix: Fix, positions: PositionMap) -> list[types.TextEdit]:
    """A Fix's edits in the buffer's coordinates; new lines in the buffer's own ending."""
    return [
        types.TextEdit(
            range=positions.range(edit.start, edit.end),
            new_text=edit.replacement.replace("\n", positions.newline),
        )
        for edit in sorted(fix.edits, key=lambda e: e.start)
    ]


def rule_documentation(rule_id: str, registry: Any) -> str | None:
    """What ``blogtool rules ID`` prints for a rule, as Markdown; None for an unknown id."""
    found = registry.get(rule_id)
    if found is None:
        return None
    from .registry import rule_help

    return f"**{found.id} {found.name}**\n\n```text\n{rule_help(found)}\n```"


# --- lint results ---------------------------------------------------------------------------


@dataclass
class Linted:
    """The last lint of one buffer: which version, and what was found in it."""

    version: int | None
    source: str
    positions: PositionMap
    doc: Document | None
    violations: list[Violation]
    diagnostics: list[types.Diagnostic]


@dataclass
class _ConfigEntry:
    mtime: int | None
    plan: Any = None  # blogtool.engine.LintPlan
    config: Any = None  # blogtool.config.Config
    error: str | None = None


@dataclass
class _State:
    """Per-process caches; everything here is rebuilt when config files change."""

    config_of_dir: dict[Path, Path | None] = field(default_factory=dict)
    configs: dict[Path | None, _ConfigEntry] = field(default_factory=dict)
    flavor_of_dir: dict[Path, str] = field(default_factory=dict)
    linted: dict[str, Linted] = field(default_factory=dict)
    pending: dict[str, asyncio.Task] = field(default_factory=dict)
    said: set[str] = field(default_factory=set)  # window messages already shown once


class _Protocol(LanguageServerProtocol):
    """pygls' protocol, plus an error response for every malformed request.

    pygls logs a request it cannot read (bad params, a body that is not a JSON-RPC object)
    and answers nothing, which leaves a client waiting forever; JSON-RPC asks for an error
    response: with the request's id when it could be read, else with a null id.
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                return _Malformed(data["id"], exc)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Malformed):
            self.send_error(message.id, message.error)
            return
        if not hasattr(message, "jsonrpc"):  # JSON, but not a JSON-RPC message
            msg_id = message.get("id") if isinstance(message, dict) else None
            self.send_error(msg_id, JsonRpcInvalidRequest())
            return
        super().handle_message(message)

    def send_error(self, msg_id: Any, error: JsonRpcException) -> None:
        """An error response written out by hand: pygls drops an id of None, and JSON-RPC
        wants ``"id": null`` when the request's id could not be read."""
        if not isinstance(msg_id, int | str) or isinstance(msg_id, bool):
            msg_id = None
        body = {"code": error.code, "message": error.message}
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": body})


@dataclass(frozen=True)
class _Malformed:
    id: Any
    error: JsonRpcException


class BlogtoolServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "blogtool",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=_Protocol,
        )
        self.state = _State()
        # One worker: lints run in order, off the event loop (requests stay answered while
        # a long draft is linted), and the spelling backend is only ever used by one thread.
        self.linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blogtool-lint")
        self.registry: Any = None
        self.docs_url: str | None = None
        self.debounce = DEBOUNCE_SECONDS
        self.shut_down = False

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
            # a body that is not JSON: no id can be read, so the answer has a null one
            self.protocol.send_error(None, JsonRpcParseError())
            return
        super().report_server_error(error, source)

    # --- messages to the user

    def say(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        """A window message, once per text: a bad config is not repeated on every keystroke."""
        if message in self.state.said:
            return
        self.state.said.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # --- configuration

    def forget_configs(self) -> None:
        """Read every config again (a config file changed), and lint every open draft."""

        def forget() -> None:  # in the lint thread, which alone reads these caches
            self.state.config_of_dir.clear()
            self.state.configs.clear()
            self.state.flavor_of_dir.clear()

        self.linter.submit(forget)
        self.state.said.clear()
        self.relint_all()

    def config_for(self, path: Path | None) -> _ConfigEntry:
        """The plan for a draft at ``path`` (None: an unsaved buffer), loaded once per config
        file and again when that file's modification time moves."""
        from .config import find_config, load_config
        from .engine import make_plan

        directory = path.parent if path is not None else self.root()
        if directory not in self.state.config_of_dir:
            self.state.config_of_dir[directory] = find_config(directory)
        config_path = self.state.config_of_dir[directory]
        mtime = _mtime(config_path)
        entry = self.state.configs.get(config_path)
        if entry is not None and entry.mtime == mtime:
            return entry
        if entry is not None:  # the file changed: the site around a draft may have too
            self.state.flavor_of_dir.clear()
        entry = _ConfigEntry(mtime)
        try:
            if self.registry is None:
                from .registry import load_registry

                self.registry = load_registry()
            config = load_config(config_path)
            entry.plan = make_plan(config, registry=self.registry)
            entry.config = config
        except ConfigError as exc:
            entry.error = str(exc)
        self.state.configs[config_path] = entry
        return entry

    def root(self) -> Path:
        root = self.workspace.root_path
        return Path(root) if root else Path.cwd()

    def flavor_for(self, plan: Any, path: Path | None) -> str:
        from .engine import site_flavor

        where = path if path is not None else self.root() / "untitled.md"
        if where.parent not in self.state.flavor_of_dir:
            self.state.flavor_of_dir[where.parent] = site_flavor(plan, where)
        return self.state.flavor_of_dir[where.parent]

    # --- linting

    def lint_now(
        self, uri: str, source: str, version: int | None, said: list[tuple[str, Any]]
    ) -> Linted | None:
        """Lint one buffer, in the lint thread; None when it could not be linted. What the
        user should be told goes into ``said``, for the event loop's thread to send: the
        connection is written from that thread only."""
        from .engine import lint_document

        path = _path_of(uri)
        entry = self.config_for(path)
        if entry.error is not None:
            said.append((f"blogtool: {entry.error}", types.MessageType.Error))
            return None
        positions = PositionMap(source)
        name = str(path) if path is not None else uri
        doc: Document | None = None
        try:
            doc = Document.from_text(source, name)
            notices: list[str] = []
            warnings: list[str] = []
            flavor = self.flavor_for(entry.plan, path)
            violations = lint_document(doc, entry.plan, notices, flavor, warnings)
        except Exception as exc:  # noqa: BLE001 - a draft that breaks the parser is one message
            log.exception("lint of %s failed", uri)
            problem = f"blogtool could not lint {name}: {type(exc).__name__}: {exc}"
            said.append((problem, types.MessageType.Error))
            return None
        for notice in [*notices, *warnings]:
            said.append((f"blogtool: {notice}", types.MessageType.Warning))
        diagnostics = [to_diagnostic(v, positions, self.docs_url) for v in violations]
        return Linted(version, source, positions, doc, violations, diagnostics)

    async def lint(self, uri: str) -> Linted | None:
        """Lint the buffer as it is now and publish; the result stays for actions and hovers."""
        document = self.workspace.get_text_document(uri)
        if not is_markdown(uri, document.language_id):
            return None  # a client that sends every buffer: a TOML or Python file is not a draft
        source, version = document.source, document.version
        loop = asyncio.get_running_loop()
        said: list[tuple[str, Any]] = []
        linted = await loop.run_in_executor(self.linter, self.lint_now, uri, source, version, said)
        for message, kind in said:
            self.say(message, kind)
        if linted is None:
            return None
        current = self.workspace.text_documents.get(uri)
        if current is None:  # closed meanwhile
            return None
        self.state.linted[uri] = linted
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=linted.diagnostics, version=version)
        )
        return linted

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds unless another change comes first."""
        previous = self.state.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()

        async def later() -> None:
            try:
                await asyncio.sleep(delay)
                await self.lint(uri)
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # noqa: BLE001 - the server outlives any one lint
                log.exception("lint of %s failed", uri)
                self.say(f"blogtool: internal error while linting: {type(exc).__name__}: {exc}")
            finally:
                if self.state.pending.get(uri) is task:
                    del self.state.pending[uri]

        task = asyncio.ensure_future(later())
        self.state.pending[uri] = task

    async def fresh(self, uri: str) -> Linted | None:
        """The lint of the buffer's current version, linting now if the last one is older."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        linted = self.state.linted.get(uri)
        if linted is not None and linted.version == document.version:
            return linted
        pending = self.state.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        return await self.lint(uri)

    async def config_entry(self, uri: str) -> _ConfigEntry:
        """The config of a draft, looked up in the lint thread (which owns the caches)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.linter, self.config_for, _path_of(uri))

    def relint_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    # --- edits

    def workspace_edit(
        self, uri: str, version: int | None, edits: Sequence[types.TextEdit]
    ) -> types.WorkspaceEdit:
        """Versioned when the client takes that, so an edit meant for an older text is
        refused rather than applied in the wrong place."""
        caps = self.client_capabilities.workspace
        versioned = bool(
            caps is not None and caps.workspace_edit and caps.workspace_edit.document_changes
        )
        if versioned:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=version
                        ),
                        edits=list(edits),
                    )
                ]
            )
        return types.WorkspaceEdit(changes={uri: list(edits)})


def _usable_template(url: object) -> bool:
    """A ruleDocsUrl that names the rule and formats (stray braces would break every lint)."""
    if not isinstance(url, str) or "{id}" not in url:
        return False
    try:
        url.format(id="BT101", name="empty-quick-summary")
    except (KeyError, IndexError, ValueError):
        return False
    return True


def is_markdown(uri: str, language_id: str | None) -> bool:
    """Whether a buffer is a draft: Markdown by the editor's word, or by its name."""
    from .sources import MARKDOWN_SUFFIXES

    if language_id in ("markdown", "mdx"):
        return True
    return uri.lower().endswith((*MARKDOWN_SUFFIXES, ".mdx"))


def _mtime(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _path_of(uri: str) -> Path | None:
    from pygls.uris import to_fs_path

    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


# --- the arXiv action -----------------------------------------------------------------------


def arxiv_links(doc: Document, start: int, end: int) -> list[tuple[Any, int, int]]:
    """(arXiv ID, link start, link end) for the links to a paper between two offsets."""
    from .papers import references  # the locator's reading of the draft's paper links

    return [
        (ref.arxiv_id, ref.start, ref.end)
        for refs in references(doc).values()
        for ref in refs
        if ref.link is not None
        and ref.arxiv_id is not None
        and ref.end >= start
        and ref.start <= end
    ]


def single_edit(old: str, new: str) -> tuple[int, int, str]:
    """One replacement turning ``old`` into ``new``: (start, end in old, new text)."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return prefix, len(old) - suffix, new[prefix : len(new) - suffix]


class PaperError(Exception):
    """Why a paper's section could not be added, worded for a window message."""


def plan_paper_section(text: str, arxiv_id: Any, config: Any) -> Any:
    """``blogtool stub``'s plan for one paper in a draft's LF text (fetches metadata)."""
    from . import stub as stubs
    from .net.http import offline

    if offline():
        raise PaperError(
            f"cannot add a section for arXiv {arxiv_id.base}: blogtool is offline "
            "($BLOGTOOL_OFFLINE is set), and its metadata must come from arXiv"
        )
    try:
        settings = stubs.settings_from_config(config)
        templates = stubs.templates_from_config(None, config)
        layout, _ = stubs.draft_layout(Document.from_text(text), settings)
        template = templates.get(layout.name)
        papers = stubs.fetch_papers([arxiv_id], config, lambda warning: None)
    except stubs.StubError as exc:
        raise PaperError(f"cannot add a section for arXiv {arxiv_id.base}: {exc}") from None
    paper = papers.get(str(arxiv_id))
    if paper is None:
        raise PaperError(f"arXiv has no paper {arxiv_id} (unknown ID or version)")
    try:
        return stubs.plan_stubs(text, [stubs.StubRequest(arxiv_id, paper)], template, settings)
    except stubs.StubError as exc:
        raise PaperError(f"cannot add a section for arXiv {arxiv_id.base}: {exc}") from None


# --- the server -----------------------------------------------------------------------------


def create_server() -> BlogtoolServer:
    server = BlogtoolServer()

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            url = options.get("ruleDocsUrl")
            server.docs_url = url if _usable_template(url) else None
            debounce = options.get("debounceMs")
            if isinstance(debounce, int | float) and 0 <= debounce <= 10_000:
                server.debounce = debounce / 1000

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        caps = server.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        if watched is None or not watched.dynamic_registration:
            return  # the modification time is checked on every lint instead
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
        try:
            await server.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="blogtool-config-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            )
        except Exception:  # noqa: BLE001 - a client that refuses: mtimes still work
            log.warning("client refused to watch config files", exc_info=True)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        server.schedule(params.text_document.uri, server.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        # a config file open in the editor: its modification time moved
        if Path(params.text_document.uri).name in CONFIG_NAMES:
            server.forget_configs()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = server.state.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        server.state.linted.pop(uri, None)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        if any(Path(change.uri).name in CONFIG_NAMES for change in params.changes):
            server.forget_configs()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
        ),
    )
    async def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        linted = await server.fresh(uri)
        if linted is None:
            return []
        wanted = params.context.only
        actions: list[types.CodeAction] = []
        if not wanted or any(k.startswith(types.CodeActionKind.QuickFix) for k in wanted):
            actions.extend(_quick_fixes(server, uri, linted, params.range))
            actions.extend(_paper_actions(uri, linted, params.range))
        if not wanted or any(
            types.CodeActionKind.SourceFixAll.startswith(k) or k.startswith("source.fixAll")
            for k in wanted
        ):
            fix_all = _fix_all(server, uri, linted)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    @server.command(ADD_PAPER_COMMAND)
    async def add_paper(uri: str, arxiv_id: str) -> None:
        await _add_paper(server, uri, arxiv_id)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams) -> types.Hover | None:
        linted = server.state.linted.get(params.text_document.uri)
        if linted is None or server.registry is None:
            return None
        point = types.Range(start=params.position, end=params.position)
        parts: list[str] = []
        covered: types.Range | None = None
        for diagnostic in linted.diagnostics:
            if not _overlaps(diagnostic.range, point):
                continue
            text = rule_documentation(str(diagnostic.code), server.registry)
            if text and text not in parts:
                parts.append(text)
                covered = covered or diagnostic.range
        if not parts:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
            ),
            range=covered,
        )

    @server.feature(types.SHUTDOWN)
    def shutdown(params: Any = None) -> None:
        server.shut_down = True
        for task in server.state.pending.values():
            task.cancel()
        server.linter.shutdown(wait=False, cancel_futures=True)

    return server


def _quick_fixes(
    server: BlogtoolServer, uri: str, linted: Linted, where: types.Range
) -> list[types.CodeAction]:
    actions = []
    for violation, diagnostic in zip(linted.violations, linted.diagnostics, strict=True):
        fix = violation.fix
        if fix is None or not _overlaps(diagnostic.range, where):
            continue
        edits = fix_edits(fix, linted.positions)
        title = fix.title if fix.safe else f"{fix.title} (unsafe: check the result)"
        actions.append(
            types.CodeAction(
                title=f"{title} [{violation.rule_id}]",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=server.workspace_edit(uri, linted.version, edits),
                is_preferred=fix.safe,
            )
        )
    return actions


def _fix_all(server: BlogtoolServer, uri: str, linted: Linted) -> types.CodeAction | None:
    from .fixes import choose  # the fixes `lint --fix` would apply in one pass

    if linted.doc is None:
        return None
    chosen, _ = choose(linted.violations, len(linted.doc.text))
    fixes = list({v.fix: None for v in chosen if v.fix is not None})  # one repair once
    if not fixes:
        return None
    edits = [edit for fix in fixes for edit in fix_edits(fix, linted.positions)]
    return types.CodeAction(
        title=f"blogtool: apply {len(fixes)} safe fix(es)",
        kind=types.CodeActionKind.SourceFixAll,
        edit=server.workspace_edit(uri, linted.version, edits),
    )


def _paper_actions(uri: str, linted: Linted, where: types.Range) -> list[types.CodeAction]:
    from .stub import find_paper_section

    if linted.doc is None:
        return []
    start, end = linted.positions.offset(where.start), linted.positions.offset(where.end)
    actions = []
    seen: set[str] = set()
    for arxiv_id, _, _ in arxiv_links(linted.doc, start, end):
        if arxiv_id.base in seen or find_paper_section(linted.doc, arxiv_id) is not None:
            continue  # a paper the draft already has an entry for
        seen.add(arxiv_id.base)
        actions.append(
            types.CodeAction(
                title=f"Add a section for this paper (arXiv {arxiv_id.base})",
                kind=types.CodeActionKind.QuickFix,
                command=types.Command(
                    title="Add a section for this paper",
                    command=ADD_PAPER_COMMAND,
                    arguments=[uri, str(arxiv_id)],
                ),
            )
        )
    return actions


async def _add_paper(server: BlogtoolServer, uri: str, raw_id: str) -> None:
    """Fetch the paper (in a thread: arXiv may take seconds), plan the stub on the buffer as
    it is then, and ask the client to apply it as one edit."""
    from .arxiv_id import InvalidArxivId, parse_arxiv_id

    document = server.workspace.text_documents.get(uri)
    if document is None:
        server.say(f"blogtool: {uri} is not open")
        return
    try:
        arxiv_id = parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        server.say(f"blogtool: invalid arXiv ID {raw_id!r}: {exc}")
        return
    source, version = document.source, document.version
    entry = await server.config_entry(uri)
    if entry.error is not None:
        server.say(f"blogtool: {entry.error}")
        return
    positions = PositionMap(source)
    loop = asyncio.get_running_loop()
    try:
        plan = await loop.run_in_executor(
            None, plan_paper_section, positions.text, arxiv_id, entry.config
        )
    except PaperError as exc:
        # said every time: the user asked, and the network may be back next time
        server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=f"blogtool: {exc}")
        )
        return
    if not plan.changed:
        return
    start, end, text = single_edit(positions.text, plan.text)
    edit = types.TextEdit(
        range=positions.range(start, end), new_text=text.replace("\n", positions.newline)
    )
    await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(
            edit=server.workspace_edit(uri, version, [edit]),
            label=f"Add a section for arXiv {arxiv_id.base}",
        )
    )


def serve() -> int:
    """Run the server on stdin/stdout until the client says exit; the exit code LSP asks for:
    0 after a shutdown request, 1 without one."""
    logging.basicConfig(level=logging.WARNING, format="blogtool server: %(message)s")
    server = create_server()
    server.start_io()
    return 0 if server.shut_down else 1
