"""``blogtool server`` driven by a real client: a subprocess speaking JSON-RPC over stdio.

A small plugin (installed the way pip lays one out) adds two rules the built-ins do not
have: XT900 flags ``teh`` with a fix, XT901 crashes on ``CRASH``. The quick-fix tests do
not depend on which built-in rules carry fixes yet. No timing is asserted: every wait has a
generous timeout and only guards against a hang.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from blogtool.net.arxiv import ENV_API_URL
from blogtool.registry import ENTRY_POINT_GROUP
from blogtool.server import PositionMap, single_edit, utf16_len
from lsp_client import LspClient
from test_stub_cli import (
    DPO_TITLE,
    FakeArxiv,
    arxiv,  # noqa: F401 - a fixture: arXiv on 127.0.0.1
)

PLUGIN = '''
from blogtool.registry import Hit, rule
from blogtool.violation import Edit, Fix


@rule("XT900", "teh-typo", "warning")
def teh(doc, ctx):
    """The typo ``teh``.

    Bad: teh model. Good: the model.
    """
    start = 0
    while (at := doc.text.find("teh", start)) >= 0:
        fix = Fix((Edit(at, at + 3, "the"),), "Replace with 'the'")
        yield Hit(at, at + 3, "'teh' is a typo", fix)
        start = at + 3


@rule("XT901", "crashes", "error")
def crashes(doc, ctx):
    """Crashes when the draft says CRASH.

    Bad: CRASH. Good: calm.
    """
    if "CRASH" in doc.text:
        raise RuntimeError("boom")
    return []
'''

CONFIG = 'flavor = "kramdown"\nselect = ["BT107", "BT205", "XT"]\n'

# Line 4 starts with two characters outside the BMP: LSP counts each as two UTF-16 units.
DRAFT = """# Notes

TODO: write this.

🚀😀 The code is at https://example.com/code and teh rest.

See [DPO](https://arxiv.org/abs/2305.18290) for details.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "xt_rules.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "xt_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: xt-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nxt = xt_rules\n")
    root = tmp_path / "blog"
    root.mkdir()
    (root / "blogtool.toml").write_text(CONFIG, encoding="utf-8")
    return root


def start_server(project: Path, **env: str) -> LspClient:
    """``blogtool server`` in ``project`` with the XT plugin on its path. arXiv is a
    127.0.0.1 address unless a test's stand-in set one: no test reaches the network."""
    site = project.parent / "site"
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    defaults = {"PYTHONPATH": path, "BLOGTOOL_OFFLINE": ""}
    defaults[ENV_API_URL] = os.environ.get(ENV_API_URL, "http://127.0.0.1:9/api")
    return LspClient(project, {**defaults, **env})


@pytest.fixture
def client(project: Path):
    lsp = start_server(project)
    yield lsp
    lsp.kill()


def by_code(diagnostics: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for d in diagnostics:
        found.setdefault(d["code"], []).append(d)
    return found


def start(diagnostic: dict[str, Any]) -> tuple[int, int]:
    where = diagnostic["range"]["start"]
    return where["line"], where["character"]


def open_draft(client: LspClient, project: Path, text: str = DRAFT) -> str:
    client.initialize(project)
    draft = project / "post.md"
    draft.write_text(text, encoding="utf-8")
    uri = draft.as_uri()
    client.open(uri, text)
    return uri


def test_a_session_from_initialize_to_exit(client: LspClient, project: Path) -> None:
    reply = client.initialize(project)
    caps = reply["result"]["capabilities"]
    assert caps["textDocumentSync"]["change"] == types.TextDocumentSyncKind.Incremental.value
    assert caps["hoverProvider"] and caps["codeActionProvider"]
    uri = (project / "post.md").as_uri()
    client.open(uri, DRAFT)

    found = by_code(client.diagnostics(uri, 1))
    assert [start(d) for d in found["BT107"]] == [(2, 0)]
    # CLI: 5:19 (characters); LSP: line 4, 18 characters of which two take two units each
    assert [start(d) for d in found["BT205"]] == [(4, 20)]
    url = found["BT205"][0]["range"]
    assert url["end"]["character"] - url["start"]["character"] == len("https://example.com/code")
    assert [start(d) for d in found["XT900"]] == [(4, 49)]
    bare = found["BT205"][0]
    assert bare["source"] == "blogtool"
    assert bare["severity"] == types.DiagnosticSeverity.Warning.value
    assert found["BT107"][0]["severity"] == types.DiagnosticSeverity.Error.value

    # two lines typed at the top, sent incrementally: everything moves down by two
    client.change(
        uri,
        2,
        [
            {
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "text": "---\n---\n",
            }
        ],
    )
    moved = by_code(client.diagnostics(uri, 2))
    assert [start(d) for d in moved["BT107"]] == [(4, 0)]
    assert [start(d) for d in moved["BT205"]] == [(6, 20)]

    # the quick fix for 'teh' replaces exactly its three characters
    typo = moved["XT900"][0]
    reply = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": typo["range"],
            "context": {"diagnostics": [typo]},
        },
    )
    fixes = [a for a in reply["result"] if a["kind"] == "quickfix" and "edit" in a]
    assert len(fixes) == 1
    change = fixes[0]["edit"]["documentChanges"][0]
    assert change["textDocument"] == {"uri": uri, "version": 2}
    assert change["edits"] == [{"range": typo["range"], "newText": "the"}]

    # hover over the note-to-self: the rule's documentation
    note = moved["BT107"][0]["range"]["start"]
    reply = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": note})
    hover = reply["result"]["contents"]
    assert hover["kind"] == "markdown"
    assert "BT107 note-to-self" in hover["value"] and "Bad" in hover["value"]

    # malformed messages: each gets an error response, and the server goes on
    client.send_raw(b"{this is not json")
    parse_error = client.wait_for(lambda m: m.get("error", {}).get("code") == -32700)
    assert parse_error["id"] is None
    bad = client.request("textDocument/hover", {"textDocument": {"uri": uri}})  # no position
    assert bad["error"]["code"] == -32602
    unknown = client.request("blogtool/noSuchMethod", {})
    assert unknown["error"]["code"] == -32601
    again = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": note})
    assert "BT107" in again["result"]["contents"]["value"]

    assert client.close() == 0


def test_a_crashing_rule_is_a_diagnostic_and_the_server_goes_on(
    client: LspClient, project: Path
) -> None:
    uri = open_draft(client, project, "# T\n\nCRASH here, and teh typo.\n")
    found = by_code(client.diagnostics(uri, 1))
    assert "crashed" in found["BT000"][0]["message"]
    assert [start(d) for d in found["XT900"]] == [(2, 16)]
    client.change(uri, 2, [{"text": "# T\n\nCalm now, teh typo.\n"}])  # a full-text change
    found = by_code(client.diagnostics(uri, 2))
    assert "BT000" not in found and [start(d) for d in found["XT900"]] == [(2, 10)]
    assert client.close() == 0


def test_a_bad_config_is_a_window_message_and_a_fixed_one_is_reloaded(
    client: LspClient, project: Path
) -> None:
    config = project / "blogtool.toml"
    config.write_text('flavor = "kramdown"\nselect = 3\n', encoding="utf-8")
    uri = open_draft(client, project)
    message = client.wait_for(lambda m: m.get("method") == "window/showMessage")
    assert "blogtool.toml" in message["params"]["message"]
    assert message["params"]["type"] == types.MessageType.Error.value
    registered = client.wait_for(lambda m: m.get("method") == "client/registerCapability")
    watchers = registered["params"]["registrations"][0]["registerOptions"]["watchers"]
    assert {w["globPattern"] for w in watchers} == {"**/pyproject.toml", "**/blogtool.toml"}

    config.write_text('flavor = "kramdown"\nselect = ["XT900"]\n', encoding="utf-8")
    client.notify(
        "workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 2}]}
    )
    found = by_code(client.diagnostics(uri, 1))
    assert list(found) == ["XT900"]
    assert client.close() == 0


def test_only_markdown_buffers_are_linted(client: LspClient, project: Path) -> None:
    client.initialize(project)
    notes = (project / "notes.txt").as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": notes, "languageId": "plaintext", "version": 1, "text": "teh"}},
    )
    draft = (project / "draft.markdown").as_uri()
    client.notify(  # no languageId the server knows: the file name says Markdown
        "textDocument/didOpen",
        {"textDocument": {"uri": draft, "languageId": "", "version": 1, "text": "teh\n"}},
    )
    assert [d["code"] for d in client.diagnostics(draft, 1)] == ["XT900"]
    # one lint at a time, in order: the text file's would have been published first
    published = [m for m in client.seen if m.get("method") == "textDocument/publishDiagnostics"]
    assert published == []
    assert client.close() == 0


def test_exit_without_shutdown_is_exit_code_1(client: LspClient, project: Path) -> None:
    client.initialize(project)
    client.notify("exit")
    assert client.proc.wait(60) == 1


def test_the_bare_url_quick_fix_and_fix_all(client: LspClient, project: Path) -> None:
    """BT205's fix end to end, and "fix all": the safe fixes `lint --fix` would apply."""
    uri = open_draft(client, project)
    bare = by_code(client.diagnostics(uri, 1))["BT205"][0]
    reply = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": bare["range"], "context": {"diagnostics": [bare]}},
    )
    fixes = [
        a
        for a in reply["result"]
        if a["kind"] == "quickfix" and "edit" in a and a["diagnostics"][0]["code"] == "BT205"
    ]
    (fix_all,) = [a for a in reply["result"] if a["kind"] == "source.fixAll"]
    client.close()
    line = DRAFT.splitlines()[4]
    wanted = line.replace("https://example.com/code", "<https://example.com/code>")
    assert apply(line, fixes[0]["edit"]["documentChanges"][0]["edits"]) == wanted
    # fix all: the URL and the plugin's 'teh' (both safe), in one edit of the buffer
    everything = fix_all["edit"]["documentChanges"][0]["edits"]
    assert apply(line, [e for e in everything if e["range"]["start"]["line"] == 4]) == (
        wanted.replace("teh", "the")
    )


def apply(line: str, edits: list[dict[str, Any]]) -> str:
    """Edits on one line, with UTF-16 columns, applied from the last to the first."""
    units = line.encode("utf-16-le")
    for edit in sorted(edits, key=lambda e: -e["range"]["start"]["character"]):
        a, b = edit["range"]["start"]["character"], edit["range"]["end"]["character"]
        units = units[: 2 * a] + edit["newText"].encode("utf-16-le") + units[2 * b :]
    return units.decode("utf-16-le")


def test_add_a_section_for_an_arxiv_link(
    arxiv: FakeArxiv,  # noqa: F811 - the fixture imported above
    project: Path,
    request: pytest.FixtureRequest,
) -> None:
    (project / "blogtool.toml").write_text(CONFIG + "[arxiv]\nmin_interval = 0.01\n")
    client = start_server(project)  # after the stand-in: it inherits its URL
    request.addfinalizer(client.kill)
    uri = open_draft(client, project)
    client.diagnostics(uri, 1)
    link = {"start": {"line": 6, "character": 6}, "end": {"line": 6, "character": 6}}
    reply = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": link, "context": {"diagnostics": []}},
    )
    [action] = [a for a in reply["result"] if "command" in a]
    assert action["title"] == "Add a section for this paper (arXiv 2305.18290)"
    command = action["command"]
    reply = client.request(
        "workspace/executeCommand",
        {"command": command["command"], "arguments": command["arguments"]},
    )
    assert "error" not in reply
    applied = client.wait_for(lambda m: m.get("method") == "workspace/applyEdit")
    [edit] = applied["params"]["edit"]["documentChanges"][0]["edits"]
    assert f"### {DPO_TITLE}" in edit["newText"] and "## 2023" in edit["newText"]
    assert edit["range"]["start"]["line"] >= 7  # added after the text, nothing replaced
    assert edit["range"]["start"] == edit["range"]["end"]
    assert arxiv.requests == [["2305.18290"]]
    assert client.close() == 0


def test_add_a_section_offline_is_one_clear_message(project: Path) -> None:
    lsp = start_server(project, BLOGTOOL_OFFLINE="1")
    try:
        uri = open_draft(lsp, project)
        lsp.diagnostics(uri, 1)
        reply = lsp.request(
            "workspace/executeCommand",
            {"command": "blogtool.addPaperSection", "arguments": [uri, "2305.18290"]},
        )
        assert "error" not in reply
        message = lsp.wait_for(lambda m: m.get("method") == "window/showMessage")
        assert "offline" in message["params"]["message"]
        assert "2305.18290" in message["params"]["message"]
        assert not [r for r in lsp.server_requests if r["method"] == "workspace/applyEdit"]
        assert lsp.close() == 0
    finally:
        lsp.kill()


# --- positions and edits, in process ---------------------------------------------------------


def test_columns_count_utf16_units_after_non_bmp_characters() -> None:
    text = "a𝑥b\n😀😀x\nplain"
    positions = PositionMap(text)
    assert positions.position(1, 3) == types.Position(line=0, character=3)  # after 𝑥 (2 units)
    assert positions.position(2, 3) == types.Position(line=1, character=4)
    assert positions.position(3, 2) == types.Position(line=2, character=1)
    for line, col in [(1, 1), (1, 2), (1, 3), (1, 4), (2, 3), (3, 5)]:
        there = positions.position(line, col)
        assert positions.at_offset(positions.offset(there)) == there  # and back again
    assert utf16_len("😀") == 2 and utf16_len("é") == 1


def test_a_bom_and_crlf_keep_lines_and_shift_the_first_line() -> None:
    positions = PositionMap("\ufeffab\r\ncd\r\n")
    assert positions.position(1, 1) == types.Position(line=0, character=1)
    assert positions.position(2, 2) == types.Position(line=1, character=1)
    assert positions.newline == "\r\n"
    assert positions.offset(types.Position(line=1, character=1)) == 4  # "ab\nc|d"


def test_a_diagnostic_carries_code_source_severity_and_an_optional_docs_link() -> None:
    from blogtool.server import _usable_template, to_diagnostic
    from blogtool.violation import Severity, Violation

    positions = PositionMap("😀 x\n")
    found = Violation("p.md", 1, 2, "BT205", "bare", Severity.INFO, 1, 4, "bare-url")
    plain = to_diagnostic(found, positions)
    assert (plain.code, plain.source, plain.code_description) == ("BT205", "blogtool", None)
    assert plain.severity == types.DiagnosticSeverity.Information
    assert (plain.range.start.character, plain.range.end.character) == (2, 4)
    linked = to_diagnostic(found, positions, "https://example.org/rules/{id}-{name}")
    assert linked.code_description.href == "https://example.org/rules/BT205-bare-url"
    assert [_usable_template(u) for u in ("x/{id}", "x/{id}/{oops}", "x/{", "x", None)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    # no end recorded: one character, so editors draw something
    bare = to_diagnostic(Violation("p.md", 1, 3, "BT1", "m"), positions)
    assert (bare.range.start.character, bare.range.end.character) == (3, 4)


def test_single_edit_is_the_changed_middle() -> None:
    assert single_edit("abcdef", "abXYcdef") == (2, 2, "XY")
    assert single_edit("aaa", "aaaa") == (3, 3, "a")
    assert single_edit("same", "same") == (4, 4, "")


def test_a_draft_that_breaks_the_parser_is_a_message_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import blogtool.server as server_module

    def explode(text: str, path: str) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    (tmp_path / "blogtool.toml").write_text('select = ["BT107"]\n', encoding="utf-8")
    server = server_module.BlogtoolServer()
    uri = (tmp_path / "post.md").as_uri()
    said: list[tuple[str, Any]] = []
    assert server.lint_now(uri, "# T\n\nTODO: x\n", 1, said) is not None and not said
    monkeypatch.setattr(server_module.Document, "from_text", explode)
    assert server.lint_now(uri, "# T\n", 2, said) is None
    assert said == [
        (
            f"blogtool could not lint {tmp_path / 'post.md'}: RecursionError: "
            "maximum recursion depth exceeded",
            types.MessageType.Error,
        )
    ]


def test_a_config_edited_without_a_notification_is_read_again_on_the_next_lint(
    client: LspClient, project: Path
) -> None:
    uri = open_draft(client, project)
    assert "BT107" in by_code(client.diagnostics(uri, 1))
    config = project / "blogtool.toml"
    config.write_text('flavor = "kramdown"\nselect = ["XT900"]\n', encoding="utf-8")
    later = config.stat().st_mtime_ns + 5_000_000_000  # a clock that did not tick in between
    os.utime(config, ns=(later, later))
    client.change(uri, 2, [{"text": DRAFT + "\nMore teh.\n"}])
    found = by_code(client.diagnostics(uri, 2))
    assert list(found) == ["XT900"] and len(found["XT900"]) == 2
    assert client.close() == 0
