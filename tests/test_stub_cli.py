"""``blogtool stub`` end to end, against an arXiv-shaped Atom server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from blogtool.arxiv_id import parse_arxiv_id
from blogtool.commands.stub import stub
from blogtool.net.arxiv import ENV_API_URL
from blogtool.net.cache import CACHE_DIR_ENV

DPO_TITLE = "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
DPO_SECTION = f"""### {DPO_TITLE}

[paper](https://arxiv.org/abs/2305.18290)

<details>
<summary>Quick Summary</summary>

</details>
"""

# Made-up metadata in the shape the arXiv API sends (titles wrap, whitespace is loose).
PAPERS = {
    "2305.18290": (
        "2305.18290v3",
        "Direct Preference Optimization: Your Language Model\n      is Secretly a Reward Model",
        "2023-05-29",
    ),
    "1706.03762": ("1706.03762v7", "Attention Is All You Need", "2017-06-12"),
    "1904.10509": (
        "1904.10509v1",
        "Generating Long Sequences with Sparse Transformers",
        "2019-04-23",
    ),
    "1502.03167": ("1502.03167v3", "Batch Normalization", "2015-02-11"),
    "1901.02860": (
        "1901.02860v3",
        "Transformer-XL: Attentive Language Models Beyond a Fixed-Length Context",
        "2019-01-09",
    ),
    "1906.08237": (
        "1906.08237v2",
        "XLNet: Generalized Autoregressive Pretraining for Language Understanding",
        "2019-06-19",
    ),
    "1908.10084": (
        "1908.10084v1",
        "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks",
        "2019-08-27",
    ),
}


def atom_entry(versioned: str, title: str, published: str) -> str:
    return f"""  <entry>
    <id>http://arxiv.org/abs/{versioned}</id>
    <updated>{published}T17:57:46Z</updated>
    <published>{published}T17:57:46Z</published>
    <title>{title}</title>
    <summary>  An abstract
  over two lines.</summary>
    <author><name>Ada Example</name></author>
    <author><name>Bruno Placeholder</name></author>
    <link href="http://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{versioned}" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG"
                            scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def atom_feed(entries: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <title>ArXiv Query</title>\n  <id>http://arxiv.org/api/test</id>\n"
        + "".join(entries)
        + "</feed>\n"
    )


class FakeArxiv:
    """Answers ``/api/query?id_list=...`` from :data:`PAPERS`; logs every request.

    ``statuses`` are sent (one per request) before any feed; ``before_reply`` runs in the
    server thread while the client waits, as if the network were slow.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[list[str]] = []
        self.statuses: list[int] = []
        self.rejected: set[str] = set()  # IDs answered with an "incorrect id format" entry
        self.before_reply: Callable[[], None] | None = None
        self._lock = threading.Lock()
        server.expect_request("/api/query").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/api"

    def _handle(self, request: Request) -> Response:
        ids = request.args.get("id_list", "").split(",")
        with self._lock:
            self.requests.append(ids)
            status = self.statuses.pop(0) if self.statuses else 200
        if self.before_reply is not None:
            self.before_reply()
        if status != 200:
            return Response("Rate exceeded.", status=status, headers={"Retry-After": "0"})
        entries = [
            atom_entry(*PAPERS[base]) for raw in ids if (base := parse_arxiv_id(raw).base) in PAPERS
        ]
        entries += [
            f"  <entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_{raw}</id>"
            f"<title>Error</title><summary>incorrect id format for {raw}</summary></entry>\n"
            for raw in ids
            if raw in self.rejected
        ]
        return Response(atom_feed(entries), content_type="application/atom+xml")


@pytest.fixture
def arxiv(
    shared_http_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeArxiv]:
    shared_http_server.clear()
    fake = FakeArxiv(shared_http_server)
    monkeypatch.setenv(ENV_API_URL, fake.url)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    yield fake
    shared_http_server.clear()


DRAFT = """# A history

Intro.

## 2017

### Attention Is All You Need

[paper](https://arxiv.org/abs/1706.03762)

Body.

## 2019

### Transformer-XL

[paper](https://arxiv.org/abs/1901.02860)

Body.

###

[paper](https://arxiv.org/abs/1904.10509)

Sparse attention, no title yet.

### XLNet

[paper](https://arxiv.org/abs/1906.08237)

## Closing thoughts

Bye.
"""


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    (tmp_path / "blogtool.toml").write_text(
        '[stub]\ndraft = "draft.md"\n\n[arxiv]\nmin_interval = 0.01\n', encoding="utf-8"
    )
    path = tmp_path / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(stub, list(args), catch_exceptions=False)


def headings(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".") or "lock" in p.name)


def test_adds_a_section_under_a_new_year_in_order(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    text = draft.read_text(encoding="utf-8")
    assert text == DRAFT.replace("## Closing", "## 2023\n\n" + DPO_SECTION + "\n## Closing")
    line = text.splitlines().index(f"### {DPO_TITLE}") + 1
    assert result.stderr == f'{draft}:{line}: added 2305.18290 "{DPO_TITLE}" under a new ## 2023\n'
    assert arxiv.requests == [["2305.18290"]]
    assert leftovers(draft.parent) == []


def test_several_ids_one_request_default_draft_and_id_order(
    arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(draft.parent)
    result = run("https://arxiv.org/abs/1502.03167v3", "arXiv:2305.18290")
    assert result.exit_code == 0, result.output
    assert arxiv.requests == [["1502.03167v3", "2305.18290"]]
    assert headings(draft) == [
        "# A history",
        "## 2015",
        "### Batch Normalization",
        "## 2017",
        "### Attention Is All You Need",
        "## 2019",
        "### Transformer-XL",
        "###",
        "### XLNet",
        "## 2023",
        f"### {DPO_TITLE}",
        "## Closing thoughts",
    ]
    assert "[paper](https://arxiv.org/abs/1502.03167v3)" in draft.read_text(encoding="utf-8")


def test_inserts_under_an_existing_year_in_id_order(arxiv: FakeArxiv, draft: Path) -> None:
    draft.write_text(DRAFT.replace("1904.10509", "1912.00001"), encoding="utf-8")
    result = run("1904.10509", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert headings(draft)[4:8] == [
        "### Transformer-XL",
        "### Generating Long Sequences with Sparse Transformers",
        "###",
        "### XLNet",
    ]


def test_a_paper_already_there_is_skipped_without_a_request(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("1706.03762v5", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert draft.read_text(encoding="utf-8") == DRAFT
    assert arxiv.requests == []
    assert "skipped 1706.03762, already in the draft" in result.stderr
    assert f"{draft}:7:" in result.stderr


def test_reported_lines_are_those_of_the_written_draft(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("1706.03762", "1502.03167", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    lines = draft.read_text(encoding="utf-8").splitlines()
    attention = lines.index("### Attention Is All You Need") + 1
    batch_norm = lines.index("### Batch Normalization") + 1
    assert result.stderr.splitlines() == [
        f"{draft}:{attention}: skipped 1706.03762, already in the draft as "
        '"Attention Is All You Need" (--update adds the Quick Summary block)',
        f'{draft}:{batch_norm}: added 1502.03167 "Batch Normalization" under a new ## 2015',
    ]
    assert arxiv.requests == [["1502.03167"]]


def test_update_completes_the_existing_section(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("1904.10509", "--update", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    expected = DRAFT.replace("###\n", "### Generating Long Sequences with Sparse Transformers\n")
    expected = expected.replace(
        "Sparse attention, no title yet.\n",
        "<details>\n<summary>Quick Summary</summary>\n\n</details>\n\n"
        "Sparse attention, no title yet.\n",
    )
    assert draft.read_text(encoding="utf-8") == expected
    assert "completed 1904.10509" in result.stderr
    assert "added the title, the Quick Summary block" in result.stderr


def test_dry_run_shows_a_diff_and_writes_nothing(arxiv: FakeArxiv, draft: Path) -> None:
    before = draft.read_bytes()
    result = run("2305.18290", "--dry-run", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert draft.read_bytes() == before
    assert result.stdout.startswith(f"--- a/{draft.as_posix()}\n+++ b/{draft.as_posix()}\n")
    assert f"+### {DPO_TITLE}\n" in result.stdout
    assert "+## 2023\n" in result.stdout
    assert "nothing written" in result.stderr
    assert leftovers(draft.parent) == []


def test_print_needs_no_draft(
    arxiv: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("2305.18290", "--print")
    assert result.exit_code == 0, result.output
    assert result.stdout == DPO_SECTION
    assert list(tmp_path.iterdir()) == [tmp_path / "cache"]


def test_print_with_a_draft_is_a_usage_error(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("2305.18290", "--print", "--dry-run")
    assert result.exit_code == 2
    assert arxiv.requests == []


def test_invalid_ids_are_rejected_before_any_request(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("2305.18290", "2001.083613", "hep-xx/9901001", "--draft", str(draft))
    assert result.exit_code == 2
    assert arxiv.requests == []
    assert draft.read_text(encoding="utf-8") == DRAFT
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("blogtool: error: invalid arXiv ID '2001.083613': too many digits")
    assert "hep-xx" in lines[1]
    assert "Traceback" not in result.output


def test_an_unknown_id_is_an_error_and_writes_nothing(arxiv: FakeArxiv, draft: Path) -> None:
    result = run("2305.99999", "--draft", str(draft))
    assert result.exit_code == 2
    assert result.stderr == (
        "blogtool: error: arXiv has no paper 2305.99999 (unknown ID or version) (nothing written)\n"
    )
    assert draft.read_text(encoding="utf-8") == DRAFT


def test_one_unknown_among_several_writes_the_others_and_exits_one(
    arxiv: FakeArxiv, draft: Path
) -> None:
    result = run("2305.99999", "2305.18290", "--draft", str(draft))
    assert result.exit_code == 1
    assert "arXiv has no paper 2305.99999" in result.stderr
    assert f"### {DPO_TITLE}" in headings(draft)
    assert arxiv.requests == [["2305.99999", "2305.18290"]]


def test_an_id_arxiv_rejects_is_a_clear_error(arxiv: FakeArxiv, draft: Path) -> None:
    arxiv.rejected = {"2306.00001"}
    result = run("2305.18290", "2306.00001", "--draft", str(draft))
    assert result.exit_code == 2
    assert result.stderr == (
        "blogtool: error: arXiv rejected the ID 2306.00001: incorrect id format for "
        "2306.00001 (nothing written)\n"
    )
    assert draft.read_text(encoding="utf-8") == DRAFT


def test_the_api_url_can_come_from_the_config(
    arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_API_URL)
    config = draft.parent / "blogtool.toml"
    config.write_text(config.read_text("utf-8") + f'api_url = "{arxiv.url}"\n', "utf-8")
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert arxiv.requests == [["2305.18290"]]


def test_throttling_then_success(arxiv: FakeArxiv, draft: Path) -> None:
    arxiv.statuses = [429]
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert len(arxiv.requests) == 2
    assert f"### {DPO_TITLE}" in headings(draft)


def test_a_repeated_stub_makes_no_second_request(arxiv: FakeArxiv, draft: Path) -> None:
    assert run("2305.18290", "--print").exit_code == 0
    assert len(arxiv.requests) == 1
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert len(arxiv.requests) == 1
    assert f"### {DPO_TITLE}" in headings(draft)


def test_a_crlf_draft_stays_crlf(arxiv: FakeArxiv, draft: Path) -> None:
    draft.write_bytes(DRAFT.replace("\n", "\r\n").encode())
    result = run("2305.18290", "1904.10509", "--update", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    data = draft.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.endswith(b"Bye.\r\n")
    assert f"### {DPO_TITLE}\r\n".encode() in data


def changed_meanwhile(path: Path | str) -> str:
    return (
        f"blogtool: error: {path} changed on disk while stub waited for arXiv; nothing written. "
        "Run the command again (the metadata is cached, so no new request is made).\n"
    )


def test_an_edit_saved_while_waiting_on_the_network_stops_the_write(
    arxiv: FakeArxiv, draft: Path
) -> None:
    edited = DRAFT.replace("Intro.", "Intro, rewritten by the author.")

    def author_saves() -> None:
        draft.write_text(edited, encoding="utf-8")

    arxiv.before_reply = author_saves
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 2
    assert result.stderr == changed_meanwhile(draft)
    assert draft.read_text(encoding="utf-8") == edited  # the author's text, and nothing of stub
    assert leftovers(draft.parent) == []

    arxiv.before_reply = None
    again = run("2305.18290", "--draft", str(draft))
    assert again.exit_code == 0, again.output
    assert arxiv.requests == [["2305.18290"]]  # the re-run took the metadata from the cache
    assert draft.read_text(encoding="utf-8") == edited.replace(
        "## Closing", "## 2023\n\n" + DPO_SECTION + "\n## Closing"
    )


STUB_SCRIPT = (
    "import sys; from blogtool.commands.stub import stub; "
    "stub(sys.argv[1:], prog_name='blogtool stub')"
)


def test_two_stubs_at_once_one_lands_the_other_fails_cleanly(arxiv: FakeArxiv, draft: Path) -> None:
    both_asked = threading.Barrier(2, timeout=20)
    arxiv.before_reply = both_asked.wait  # neither gets an answer before both have read
    ids = {"2305.18290": f"### {DPO_TITLE}", "1502.03167": "### Batch Normalization"}
    processes = {
        arxiv_id: subprocess.Popen(
            [sys.executable, "-c", STUB_SCRIPT, arxiv_id, "--draft", str(draft)],
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for arxiv_id in ids
    }
    outputs = {arxiv_id: p.communicate(timeout=60) for arxiv_id, p in processes.items()}
    assert not both_asked.broken
    codes = {arxiv_id: p.returncode for arxiv_id, p in processes.items()}
    assert sorted(codes.values()) == [0, 2], outputs
    (landed,) = [arxiv_id for arxiv_id, code in codes.items() if code == 0]
    (refused,) = [arxiv_id for arxiv_id, code in codes.items() if code == 2]
    assert outputs[refused][1] == changed_meanwhile(draft)
    assert ids[landed] in headings(draft) and ids[refused] not in headings(draft)
    assert leftovers(draft.parent) == []

    arxiv.before_reply = None
    again = run(refused, "--draft", str(draft))
    assert again.exit_code == 0, again.output
    assert len(arxiv.requests) == 2  # no new request: the refused run cached its metadata
    found = headings(draft)
    assert ids[landed] in found and ids[refused] in found


def test_an_unknown_template_placeholder_is_a_clear_error(arxiv: FakeArxiv, draft: Path) -> None:
    template = draft.parent / "paper.md"
    template.write_text("### {title}\n\n[paper]({abs_url})\n\nBy {venue}.\n", encoding="utf-8")
    (draft.parent / "blogtool.toml").write_text(
        '[stub]\ndraft = "draft.md"\ntemplate = "paper.md"\n', encoding="utf-8"
    )
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 2
    assert result.stderr == (
        f"blogtool: error: {template}:5: unknown placeholder {{venue}} (known: abs_url, "
        "abstract, arxiv_id, authors, authors_short, category, first_author, month, pdf_url, "
        "published, title, today, updated, versioned_id, year; write a literal brace as {{ or }})\n"
    )
    assert arxiv.requests == []


def test_a_bad_placement_setting_is_a_clear_error(arxiv: FakeArxiv, draft: Path) -> None:
    (draft.parent / "blogtool.toml").write_text('[stub]\nplacement = "middle"\n', "utf-8")
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 2
    assert "blogtool.toml:1: [stub] placement must be" in result.stderr
    assert arxiv.requests == []


def test_no_draft_anywhere_is_a_clear_error(
    arxiv: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("2305.18290")
    assert result.exit_code == 2
    assert "no draft to add to" in result.stderr


def test_a_missing_draft_is_a_clear_error(arxiv: FakeArxiv, tmp_path: Path) -> None:
    result = run("2305.18290", "--draft", str(tmp_path / "nope.md"))
    assert result.exit_code == 2
    assert "nope.md: no such file" in result.stderr
    assert arxiv.requests == []


def test_a_read_only_draft_is_a_clear_error(arxiv: FakeArxiv, draft: Path) -> None:
    draft.chmod(0o444)
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 2
    assert result.stderr == f"blogtool: error: {draft}: the file is read-only; nothing written\n"
    assert draft.read_text(encoding="utf-8") == DRAFT
    assert arxiv.requests == []


def test_help_documents_exit_codes_and_placeholders() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "1  some IDs are unknown to arXiv" in result.output
    assert "{first_author}" in result.output


# --- golden files: tests/data/stub_golden/<draft>.md in, <case>.expected.md out -------------

GOLDEN = Path(__file__).parent / "data" / "stub_golden"


@dataclass(frozen=True)
class Golden:
    """``blogtool stub ARGS --draft draft.md`` on a copy of ``draft``.

    The draft must then hold ``<name>.expected.md`` (or its own bytes when ``written`` is
    false), stderr ``<name>.stderr`` and stdout ``<name>.stdout`` (empty if there is none);
    the fake arXiv must have seen ``requests``.
    """

    name: str
    draft: str
    args: tuple[str, ...]
    requests: tuple[tuple[str, ...], ...]
    written: bool = True


DUPLICATE_IDS = tuple(f"2001.{n:05d}" for n in range(1, 17)) + ("hep-th/9901001",)
BARE_IDS = ("1706.03762", "1904.10509", "1901.02860", "1906.08237", "2305.18290", "1502.03167")

GOLDEN_CASES = [
    Golden("existing-year", "placement.md", ("1904.10509",), (("1904.10509",),)),
    Golden("new-year", "placement.md", ("1502.03167",), (("1502.03167",),)),
    Golden(
        "crlf",
        "crlf.md",
        ("1904.10509", "2305.18290"),
        (("1904.10509", "2305.18290"),),
    ),
    Golden("dry-run", "placement.md", ("1904.10509", "--dry-run"), (("1904.10509",),), False),
    # each of the first 17 is found in the draft without asking arXiv; the last by its title
    Golden(
        "duplicates", "duplicates.md", (*DUPLICATE_IDS, "1706.03762"), (("1706.03762",),), False
    ),
    # bare sections are completed; XLNet and Batch Normalization have text of their own
    Golden("bare", "bare.md", BARE_IDS, (BARE_IDS[:3] + BARE_IDS[4:5],)),
    Golden("bare-update", "bare.md", (*BARE_IDS, "--update"), (BARE_IDS,)),
]


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=lambda case: case.name)
def test_golden(
    case: Golden, arxiv: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = (GOLDEN / case.draft).read_bytes()
    draft = tmp_path / "draft.md"
    draft.write_bytes(before)
    result = run(*case.args, "--draft", "draft.md")
    assert result.exit_code == 0, result.output
    expected = (GOLDEN / f"{case.name}.expected.md").read_bytes() if case.written else before
    assert draft.read_bytes() == expected
    assert result.stderr == (GOLDEN / f"{case.name}.stderr").read_text(encoding="utf-8")
    stdout = GOLDEN / f"{case.name}.stdout"
    assert result.stdout == (stdout.read_text(encoding="utf-8") if stdout.exists() else "")
    assert [tuple(ids) for ids in arxiv.requests] == list(case.requests)
    assert leftovers(tmp_path) == []

    if "--dry-run" in case.args:
        return
    # The same command again finds every paper in place and changes nothing.
    again = run(*case.args, "--draft", "draft.md")
    assert again.exit_code == 0, again.output
    assert draft.read_bytes() == expected
    assert "added" not in again.stderr and "completed" not in again.stderr
    assert len(arxiv.requests) == len(case.requests)


# --- every error path: one line, exit 2, the draft byte for byte as it was ----------------

SAMPLE = Path(__file__).parents[1] / "drafts" / "evolution.md"


def _broken_template(arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (draft.parent / "paper.md").write_text("### {title}\n\n[paper]({abs_url}) {venue}\n", "utf-8")
    with (draft.parent / "blogtool.toml").open("a", encoding="utf-8") as config:
        config.write('\n[stub]\ntemplate = "paper.md"\n')


def _no_network(arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(ENV_API_URL, f"http://127.0.0.1:{port}/api")


def _failed_rename(arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if Path(dst) == draft:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def _edited_meanwhile(arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arxiv.before_reply = lambda: draft.write_bytes(
        draft.read_bytes() + b"A line saved by an editor."
    )


def _set(**attributes: object) -> Callable[[FakeArxiv, Path, pytest.MonkeyPatch], None]:
    def setup(arxiv: FakeArxiv, draft: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in attributes.items():
            setattr(arxiv, name, value)

    return setup


ERROR_PATHS = {
    # name: (IDs, setup, what the one line says)
    "unknown ID": (
        ("1908.99999",),
        None,
        "arXiv has no paper 1908.99999 (unknown ID or version) (nothing written)",
    ),
    "invalid ID": (("1908.10084", "2001.083613"), None, "invalid arXiv ID '2001.083613': too many"),
    "ID arXiv rejects": (
        ("1908.10084", "2306.00001"),
        _set(rejected={"2306.00001"}),
        "arXiv rejected the ID 2306.00001: incorrect id format for 2306.00001 (nothing written)",
    ),
    "throttled for good": (("1908.10084",), _set(statuses=[429] * 10), "throttling"),
    "no network": (("1908.10084",), _no_network, "cannot reach the arXiv API at http://127."),
    "read-only draft": (
        ("1908.10084",),
        lambda arxiv, draft, monkeypatch: draft.chmod(0o444),
        "the file is read-only; nothing written",
    ),
    "failed rename": (
        ("1908.10084",),
        _failed_rename,
        "cannot write: No space left on device; the draft is unchanged",
    ),
    "edited while waiting": (
        ("1908.10084",),
        _edited_meanwhile,
        "changed on disk while stub waited for arXiv; nothing written. Run the command again",
    ),
    "broken template": (("1908.10084",), _broken_template, "unknown placeholder {venue}"),
}


@pytest.mark.parametrize("source", [GOLDEN / "crlf.md", SAMPLE], ids=["crlf", "evolution"])
@pytest.mark.parametrize("error", sorted(ERROR_PATHS))
def test_an_error_is_one_line_and_leaves_the_draft_byte_for_byte(
    error: str,
    source: Path,
    arxiv: FakeArxiv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids, setup, message = ERROR_PATHS[error]
    (tmp_path / "blogtool.toml").write_text("[arxiv]\nmin_interval = 0.01\n", encoding="utf-8")
    draft = tmp_path / "draft.md"
    draft.write_bytes(source.read_bytes())
    if setup is not None:
        setup(arxiv, draft, monkeypatch)
    before = draft.read_bytes() if error != "edited while waiting" else None
    result = run(*ids, "--draft", str(draft))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("blogtool: error: ") and message in line
    assert "Traceback" not in result.output
    if before is None:  # the editor's save, and nothing of stub's
        before = source.read_bytes() + b"A line saved by an editor."
    assert draft.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "blogtool.toml",
        *(["cache"] if (tmp_path / "cache").exists() else []),
        "draft.md",
        *(["paper.md"] if error == "broken template" else []),
    ]


# --- done means: the sample draft ---------------------------------------------------------

DPO_HEADING = f"### {DPO_TITLE}\n"
QUICK_SUMMARY = "<details>\n<summary>Quick Summary</summary>\n\n</details>\n"


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of drafts/evolution.md, the default draft of a project in the working directory."""
    (tmp_path / "blogtool.toml").write_text(
        '[stub]\ndraft = "drafts/evolution.md"\n\n[arxiv]\nmin_interval = 0.01\n', "utf-8"
    )
    (tmp_path / "drafts").mkdir()
    path = tmp_path / "drafts" / "evolution.md"
    path.write_bytes(SAMPLE.read_bytes())
    monkeypatch.chdir(tmp_path)
    return path


def dpo_section(text: str) -> tuple[int, int]:
    """Where the sample's DPO section starts and ends (the next heading)."""
    start = text.index(DPO_HEADING)
    return start, text.index("\n### ", start + 1) + 1


def line_of(text: str, heading: str) -> int:
    return text.splitlines().index(heading.rstrip("\n")) + 1


def test_sample_a_paper_already_there_is_not_added_twice(arxiv: FakeArxiv, sample: Path) -> None:
    before = sample.read_bytes()
    assert before.count(b"arxiv.org/abs/2305.18290") == 1
    result = run("2305.18290")
    assert result.exit_code == 0, result.output
    assert sample.read_bytes() == before
    line = line_of(before.decode(), DPO_HEADING)
    assert result.stderr.splitlines() == [
        f'{sample}:{line}: 2305.18290 is already in the draft as "{DPO_TITLE}"; nothing to add'
    ]
    assert arxiv.requests == []


def test_sample_a_bare_section_of_the_paper_is_completed(arxiv: FakeArxiv, sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    start, end = dpo_section(text)
    link = "[paper](https://arxiv.org/abs/2305.18290)\n"
    bare = text[:start] + DPO_HEADING + "\n" + link + "\n" + text[end:]
    sample.write_text(bare, encoding="utf-8")
    result = run("2305.18290")
    assert result.exit_code == 0, result.output
    completed = text[:start] + DPO_HEADING + "\n" + link + "\n" + QUICK_SUMMARY + "\n" + text[end:]
    assert sample.read_text(encoding="utf-8") == completed
    assert completed.count("arxiv.org/abs/2305.18290") == 1
    line = line_of(completed, DPO_HEADING)
    assert result.stderr == (
        f'{sample}:{line}: completed 2305.18290 "{DPO_TITLE}": added the Quick Summary block\n'
    )
    assert arxiv.requests == [["2305.18290"]]


def test_sample_a_section_with_text_is_completed_only_with_update(
    arxiv: FakeArxiv, sample: Path
) -> None:
    text = sample.read_text(encoding="utf-8")
    start, end = dpo_section(text)
    section = text[start:end]
    summary_start = section.index("<details>")
    summary_end = section.index("</details>\n\n") + len("</details>\n\n")
    own = text[:start] + section[:summary_start] + section[summary_end:] + text[end:]
    sample.write_text(own, encoding="utf-8")
    line = line_of(own, DPO_HEADING)

    skipped = run("2305.18290")
    assert skipped.exit_code == 0, skipped.output
    assert sample.read_text(encoding="utf-8") == own
    assert skipped.stderr == (
        f'{sample}:{line}: skipped 2305.18290, already in the draft as "{DPO_TITLE}" '
        "(--update adds the Quick Summary block)\n"
    )
    assert arxiv.requests == []

    updated = run("2305.18290", "--update")
    assert updated.exit_code == 0, updated.output
    link_end = start + section.index("2305.18290)\n") + len("2305.18290)\n\n")
    assert sample.read_text(encoding="utf-8") == (
        own[:link_end] + QUICK_SUMMARY + "\n" + own[link_end:]
    )
    assert arxiv.requests == [["2305.18290"]]


def test_sample_new_papers_land_under_the_right_year(arxiv: FakeArxiv, sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    result = run("1908.10084", "1502.03167")
    assert result.exit_code == 0, result.output
    sbert = (
        "### Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks\n\n"
        "[paper](https://arxiv.org/abs/1908.10084)\n\n" + QUICK_SUMMARY + "\n"
    )
    batch_norm = (
        "## 2015\n\n### Batch Normalization\n\n[paper](https://arxiv.org/abs/1502.03167)\n\n"
        + QUICK_SUMMARY
        + "\n"
    )
    albert = text.index("### ALBERT: A Lite BERT")  # the next 2019 paper by arXiv ID
    year_2017 = text.index("## 2017\n")  # 2015 goes between 2014 and 2017
    expected = text[:year_2017] + batch_norm + text[year_2017:albert] + sbert + text[albert:]
    assert sample.read_text(encoding="utf-8") == expected
    assert arxiv.requests == [["1908.10084", "1502.03167"]]
    lines = expected.splitlines()
    assert result.stderr.splitlines() == [
        f"{sample}:{lines.index(sbert.splitlines()[0]) + 1}: added 1908.10084 "
        '"Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks" under ## 2019, '
        "before 1909.11942",
        f"{sample}:{lines.index('### Batch Normalization') + 1}: added 1502.03167 "
        '"Batch Normalization" under a new ## 2015',
    ]
