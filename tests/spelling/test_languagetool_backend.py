"""LanguageTool backend against a loopback protocol stand-in (tests/spelling/lt_standin.py).

The stand-in speaks LanguageTool's HTTP API on 127.0.0.1; it is not LanguageTool, so these
tests check the client side: configuration, requests, offsets, kinds and failures.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path

import language_tool_python
import pytest
from language_tool_python.download_lt import LocalLanguageTool

from blogtool.spelling import BackendUnavailable, Dialect, Vocabulary, create_backend
from blogtool.spelling.languagetool_backend import LanguageToolBackend, languagetool_kind

from .lt_standin import StandinServer

STANDIN_SCRIPT = Path(__file__).with_name("lt_standin.py")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def forbid_language_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("language_tool_python.LanguageTool must not be constructed")

    monkeypatch.setattr(language_tool_python, "LanguageTool", refuse)


def forbid_download(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("LanguageTool must never be downloaded")

    monkeypatch.setattr(LocalLanguageTool, "_get_remote_zip", refuse)


def test_findings_from_a_server(standin: StandinServer, ml_vocabulary: Vocabulary) -> None:
    text = (
        "\U0001f600 A tset with the the words \U0001f680 \U0001f680 and a apple. "
        "Their is Mixtral, very unique,  recieve."
    )
    with LanguageToolBackend(Dialect.AMERICAN, ml_vocabulary, url=standin.url) as backend:
        findings = backend.check(text)
    got = [(f.word, f.kind, f.backend_rule) for f in findings]
    assert got == [
        ("tset", "spelling", "MORFOLOGIK_RULE_EN_US"),
        ("the the", "grammar", "ENGLISH_WORD_REPEAT_RULE"),
        ("\U0001f680 \U0001f680", "grammar", "ENGLISH_WORD_REPEAT_RULE"),
        ("a", "grammar", "EN_A_VS_AN"),
        ("Their", "grammar", "THEIR_IS"),
        ("very unique", "style", "VERY_UNIQUE"),
        ("recieve", "spelling", "MORFOLOGIK_RULE_EN_US"),
    ]  # Mixtral is in the vocabulary; the double space is a disabled rule.
    for finding in findings:
        assert text[finding.start : finding.end] == finding.word
    assert findings[0].suggestions == ("test",)
    assert findings[3].suggestions == ("an",)
    checks = [fields for method, path, fields in standin.requests if path == "/v2/check"]
    assert checks[-1]["language"] == "en-US"
    assert checks[-1]["text"] == text
    assert "WHITESPACE_RULE" in checks[-1]["disabledRules"].split(",")


def test_dialect_is_sent_as_language(standin: StandinServer) -> None:
    text = "The colour is fine."
    american = LanguageToolBackend(Dialect.AMERICAN, url=standin.url)
    british = LanguageToolBackend(Dialect.BRITISH, url=standin.url)
    assert [f.word for f in american.check(text)] == ["colour"]
    assert british.check(text) == []
    languages = [fields["language"] for _, path, fields in standin.requests if path == "/v2/check"]
    assert languages == ["en-US", "en-GB"]


def test_per_call_vocabulary(standin: StandinServer) -> None:
    backend = LanguageToolBackend(url=standin.url)
    assert [f.word for f in backend.check("A tset.")] == ["tset"]
    assert backend.check("A tset.", Vocabulary().extended(["tset"])) == []


def test_closed_port_is_backend_unavailable() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    backend = create_backend("languagetool", languagetool_url=url, environ={})
    with pytest.raises(BackendUnavailable) as caught:
        backend.check("Some text.")
    message = str(caught.value)
    assert url in message
    assert "connection refused" in message
    assert "\n" not in message
    assert caught.value.__cause__ is None


def test_server_going_away_is_backend_unavailable() -> None:
    server = StandinServer().start()
    backend = LanguageToolBackend(url=server.url)
    assert backend.check("A tset.") != []
    server.shutdown()
    server.server_close()
    with pytest.raises(BackendUnavailable, match="failed: connection refused"):
        backend.check("A tset.")


def test_nothing_configured_raises_before_touching_language_tool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forbid_language_tool(monkeypatch)
    monkeypatch.delenv("LTP_JAR_DIR_PATH", raising=False)
    with pytest.raises(BackendUnavailable) as caught:
        create_backend("languagetool")
    message = str(caught.value)
    assert "LTP_JAR_DIR_PATH" in message
    assert 'languagetool_url = "http://127.0.0.1:8081"' in message


@pytest.mark.parametrize(
    ("layout", "complaint"),
    [
        ({}, "does not exist"),
        ({"LanguageTool-6.8": None}, "has no languagetool-server.jar"),
        ({"languagetool": "languagetool-server.jar"}, "must be named LanguageTool-<version>"),
    ],
)
def test_bad_directory_is_backend_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: dict, complaint: str
) -> None:
    forbid_language_tool(monkeypatch)
    directory = tmp_path / "LanguageTool-6.8"
    for name, jar in layout.items():
        directory = tmp_path / name
        directory.mkdir()
        if jar:
            (directory / jar).write_bytes(b"")
    with pytest.raises(BackendUnavailable, match=complaint):
        create_backend("languagetool", environ={"LTP_JAR_DIR_PATH": str(directory)})


def test_bad_url_is_backend_unavailable() -> None:
    with pytest.raises(BackendUnavailable, match="not an http"):
        LanguageToolBackend(url="127.0.0.1:8081")


def test_local_directory_starts_a_server_without_downloading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fake `java` answers `-version` and, for the server command, runs the stand-in on
    # the port language-tool-python picked: the library's own start-up path, end to end.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    forbid_download(monkeypatch)
    install = tmp_path / "LanguageTool-6.8"
    install.mkdir()
    (install / "languagetool-server.jar").write_bytes(b"")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = bin_dir / "java"
    java.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-version" ]; then\n'
        "  echo 'openjdk version \"17.0.2\" 2022-01-18' >&2\n"
        "  exit 0\n"
        "fi\n"
        f'exec "{sys.executable}" "{STANDIN_SCRIPT}" "$@"\n'
    )
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("LTP_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("LTP_JAR_DIR_PATH", raising=False)

    backend = create_backend("languagetool", languagetool_dir=str(install), environ={})
    try:
        assert [f.word for f in backend.check("A tset.")] == ["tset"]
    finally:
        backend.close()
    # The variables pointing language-tool-python at the directory were only borrowed.
    assert os.environ["LTP_PATH"] == str(tmp_path / "elsewhere")
    assert "LTP_JAR_DIR_PATH" not in os.environ


def test_missing_java_is_backend_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forbid_download(monkeypatch)
    install = tmp_path / "LanguageTool-6.8"
    install.mkdir()
    (install / "languagetool-server.jar").write_bytes(b"")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    backend = LanguageToolBackend(directory=install, environ={})
    with pytest.raises(BackendUnavailable, match="java"):
        backend.check("A tset.")


def test_languagetool_kind_mapping() -> None:
    assert languagetool_kind("MORFOLOGIK_RULE_EN_US", "misspelling", "TYPOS") == "spelling"
    assert languagetool_kind("EN_A_VS_AN", "misspelling", "MISC") == "grammar"
    assert languagetool_kind("EVERYDAY_EVERY_DAY", "misspelling", "CONFUSED_WORDS") == "grammar"
    assert languagetool_kind("CONFUSION_OF_ME_I", "misspelling", "TYPOS") == "grammar"
    assert languagetool_kind("HE_VERB_AGR", "grammar", "GRAMMAR") == "grammar"
    assert languagetool_kind("ENGLISH_WORD_REPEAT_RULE", "duplication", "MISC") == "grammar"
    assert languagetool_kind("EN_QUOTES", "typographical", "TYPOGRAPHY") == "style"
    assert languagetool_kind("PASSIVE_VOICE", "style", "STYLE") == "style"
