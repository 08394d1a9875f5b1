"""A protocol stand-in for a LanguageTool HTTP server. It is NOT LanguageTool.

It speaks the parts of LanguageTool's HTTP API that language-tool-python uses
(``GET /v2/languages``, ``GET /v2/healthcheck``, ``POST /v2/check`` with form fields
``text``, ``language``, ``disabledRules`` ...) and answers with JSON shaped like real
LanguageTool responses: UTF-16 offsets and lengths, ``rule.issueType`` and
``rule.category`` as LanguageTool files them (``EN_A_VS_AN`` is a "misspelling" in
category ``MISC``, confusions are "misspelling" in ``CONFUSED_WORDS``). Its "checks" are a
handful of fixed patterns, enough to exercise the client.

Run as a script (``lt_standin.py -p 8123``) it serves on 127.0.0.1 until killed, which is
how the test of the LanguageTool-directory mode stands in for ``java ... HTTPServer``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LANGUAGES = [
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
]
MISSPELLINGS = {"tset": ["test"], "recieve": ["receive"], "Mixtral": ["Mistral"]}
AMERICAN_ONLY = {"colour": ["color"]}


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _match(
    text: str,
    start: int,
    end: int,
    message: str,
    replacements: list[str],
    rule: tuple[str, str, str, str],
) -> dict[str, Any]:
    rule_id, issue_type, category_id, category_name = rule
    offset, length = _utf16(text, start), _utf16(text, end) - _utf16(text, start)
    return {
        "message": message,
        "shortMessage": "",
        "replacements": [{"value": value} for value in replacements],
        "offset": offset,
        "length": length,
        "context": {"text": text, "offset": offset, "length": length},
        "sentence": text,
        "type": {"typeName": "Other"},
        "rule": {
            "id": rule_id,
            "description": message,
            "issueType": issue_type,
            "category": {"id": category_id, "name": category_name},
        },
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }


# (pattern, message, replacement for the matched text, (rule id, issueType, category id, name))
PATTERN_RULES = [
    (
        r"(?<!\S)(\S+) \1(?!\S)",
        "Possible typo: you repeated a word.",
        lambda found: found.group(1),
        ("ENGLISH_WORD_REPEAT_RULE", "duplication", "MISC", "Miscellaneous"),
    ),
    (
        r"\ba(?= [aeiou])",
        "Use \u201can\u201d instead of \u2018a\u2019 before a vowel sound.",
        lambda found: "an",
        ("EN_A_VS_AN", "misspelling", "MISC", "Miscellaneous"),
    ),
    (
        r"\bTheir(?= is\b)",
        "Did you mean \u201cThere\u201d?",
        lambda found: "There",
        ("THEIR_IS", "misspelling", "CONFUSED_WORDS", "Commonly Confused Words"),
    ),
    (
        r"  +",
        "Possible typo: you repeated a whitespace",
        lambda found: " ",
        ("WHITESPACE_RULE", "whitespace", "TYPOGRAPHY", "Typography"),
    ),
    (
        r"\bvery unique\b",
        "Use \u201cunique\u201d alone.",
        lambda found: "unique",
        ("VERY_UNIQUE", "style", "REDUNDANCY", "Redundant Phrases"),
    ),
]
SPELLER = ("MORFOLOGIK_RULE_EN_US", "misspelling", "TYPOS", "Possible Typo")


def find_matches(text: str, language: str, disabled: set[str]) -> list[dict[str, Any]]:
    spelling = dict(MISSPELLINGS)
    if language == "en-US":
        spelling.update(AMERICAN_ONLY)
    matches = [
        _match(text, found.start(), found.end(), "Possible spelling mistake found.",
               spelling[found.group()], SPELLER)
        for found in re.finditer(r"\w+", text)
        if found.group() in spelling
    ]  # fmt: skip
    for pattern, message, replacement, rule in PATTERN_RULES:
        for found in re.finditer(pattern, text):
            matches.append(
                _match(text, found.start(), found.end(), message, [replacement(found)], rule)
            )
    kept = [match for match in matches if match["rule"]["id"] not in disabled]
    return sorted(kept, key=lambda match: match["offset"])


class StandinHandler(BaseHTTPRequestHandler):
    server: StandinServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urllib.parse.urlparse(self.path).path
        self.server.requests.append(("GET", path, {}))
        if path == "/v2/languages":
            self._reply(200, LANGUAGES)
        elif path == "/v2/healthcheck":
            self._reply(200, {"status": "ok"})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        path = urllib.parse.urlparse(self.path).path
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"))
        fields = {key: values[0] for key, values in form.items()}
        self.server.requests.append(("POST", path, fields))
        if path != "/v2/check":
            self._reply(404, {"error": "not found"})
            return
        disabled = set(filter(None, fields.get("disabledRules", "").split(",")))
        language = fields.get("language", "")
        self._reply(
            200,
            {
                "software": {"name": "stand-in (not LanguageTool)", "apiVersion": 1},
                "language": {"name": language, "code": language},
                "matches": find_matches(fields.get("text", ""), language, disabled),
            },
        )


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), StandinHandler)
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> StandinServer:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self


if __name__ == "__main__":
    # Invoked like `java -cp languagetool-server.jar org.languagetool.server.HTTPServer -p N`.
    arguments = sys.argv[1:]
    StandinServer(int(arguments[arguments.index("-p") + 1])).serve_forever()
