"""``blogtool links`` and ``blogtool lint --check-links`` against real servers on 127.0.0.1.

Every URL in these drafts points at a server this test started; runs that must not use the
network are checked against the server's request log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

import blogtool.net.linkcheck as linkcheck
from blogtool.cli import main
from blogtool.net.cache import DATABASE_NAME

if TYPE_CHECKING:
    from .conftest import NoNetworkTransport, RawServer, Web

# No spacing between requests and no retries: the answers under test are final at once.
FAST = "[links]\nmin_host_interval = 0\nmax_retries = 0\ntimeout = 5\nallow_private = true\n"

DRAFT = """\
# Post

Read [the paper]({ok}) and [the old page]({old}).
A [dead one]({missing}) and ![a figure](images/fig.png).
See [the results](#results) and ![a plot](images/gone.png).

## Results

It works.
"""


def column(draft: Path, line: int, needle: str) -> int:
    """1-based column of ``needle`` on a line: URLs with a random port shift what follows."""
    return draft.read_text(encoding="utf-8").splitlines()[line - 1].index(needle) + 1


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(cache))
    monkeypatch.delenv("CI", raising=False)
    return cache


@pytest.fixture
def site(web: Web) -> Web:
    web.route("/ok", 200)
    web.route("/old", (301, {"Location": web.url("/new")}))
    web.route("/new", 200)
    web.route("/missing", 404)
    return web


def project(root: Path, config: str = FAST) -> Path:
    (root / "blogtool.toml").write_text(config, encoding="utf-8")
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "fig.png").write_bytes(b"")
    return root


def write_draft(root: Path, web: Web, name: str = "post.md", text: str = DRAFT) -> Path:
    path = root / name
    urls = {key: web.url(f"/{key}") for key in ("ok", "old", "missing")}
    path.write_text(text.format(**urls), encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_links_prints_the_broken_and_moved_ones_and_exits_one(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path), site)

    result = run("links", str(draft))

    assert result.exit_code == 1, result.output
    out = result.stdout
    assert f"dead 404  {site.url('/missing')}  (" in out
    assert "HTTP 404 Not Found" in out
    assert f"{draft}:4:3" in out
    assert f"redirect  {site.url('/old')}" in out
    assert f"moved permanently to {site.url('/new')}" in out
    assert f"final URL: {site.url('/new')}" in out
    assert "missing-file  images/gone.png" in out
    assert f"{draft}:5:33" in out
    assert site.url("/ok") not in out  # working links only with --all
    assert "#results" not in out
    assert out.splitlines()[-1] == "6 links in 1 file: 2 broken, 1 moved, 3 ok."


def test_all_prints_every_link_with_its_time(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path), site)

    out = run("links", "--all", str(draft)).stdout

    assert f"ok 200  {site.url('/ok')}  (" in out
    assert "s)\n" in out  # the time taken
    assert "ok  #results" in out
    assert "ok  images/fig.png" in out


def test_json_has_one_entry_per_url_with_every_occurrence(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path), site)

    result = run("links", "--format", "json", "--all", str(draft))

    payload = json.loads(result.stdout)
    by_url = {entry["url"]: entry for entry in payload["links"]}
    dead = by_url[site.url("/missing")]
    assert set(dead) == {
        "url",
        "kind",
        "status",
        "rule",
        "code",
        "final_url",
        "moved_to",
        "elapsed",
        "cached",
        "message",
        "occurrences",
    }
    assert (dead["status"], dead["code"], dead["rule"]) == ("dead", 404, "BT701")
    assert dead["occurrences"] == [{"path": str(draft), "line": 4, "column": 3}]
    assert isinstance(dead["elapsed"], float)
    moved = by_url[site.url("/old")]
    assert (moved["status"], moved["rule"]) == ("redirect", "BT702")
    assert moved["final_url"] == moved["moved_to"] == site.url("/new")
    assert by_url["images/gone.png"]["status"] == "missing-file"
    assert by_url["#results"] == {**by_url["#results"], "kind": "anchor", "status": "ok"}
    assert payload["summary"] == {
        "links": 6,
        "files": 1,
        "broken": 2,
        "moved": 1,
        "ok": 3,
        "excluded": 0,
        "offline": 0,
    }


def test_a_url_used_in_two_drafts_is_requested_once(tmp_path: Path, site: Web) -> None:
    root = project(tmp_path)
    first = write_draft(root, site, "a.md")
    second = write_draft(root, site, "b.md", "Again: <{ok}>, [gone]({missing}).\n")

    result = run("links", "--format", "json", "--all", str(root))

    assert [hit.method for hit in site.hits_for("/ok")] == ["HEAD"]
    # A HEAD 404 is confirmed with one GET: one check, not one per draft.
    assert [hit.method for hit in site.hits_for("/missing")] == ["HEAD", "GET"]
    by_url = {entry["url"]: entry for entry in json.loads(result.stdout)["links"]}
    assert by_url[site.url("/ok")]["occurrences"] == [
        {"path": str(first), "line": 3, "column": 6},
        {"path": str(second), "line": 1, "column": 8},
    ]
    assert len(by_url[site.url("/missing")]["occurrences"]) == 2


def test_offline_sends_no_request_and_reports_local_problems(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path), site)

    result = run("links", "--offline", str(draft))

    assert site.hits == []
    assert result.exit_code == 1  # the missing image, found without the network
    assert "missing-file  images/gone.png" in result.stdout
    assert "dead" not in result.stdout
    assert result.stderr.count("not checked (offline)") == 1
    assert "blogtool: 3 links not checked (offline)" in result.stderr


def test_offline_with_only_remote_links_exits_zero_unless_asked(tmp_path: Path, web: Web) -> None:
    root = project(tmp_path)
    draft = write_draft(root, web, text="[a]({ok}) [b]({missing})\n")

    assert run("links", "--offline", str(draft)).exit_code == 0
    assert run("links", "--offline", "--fail-offline", str(draft)).exit_code == 1
    assert web.hits == []


@pytest.mark.parametrize("kind", ["dns", "no-route"])
def test_without_a_network_links_are_not_checked_rather_than_dead(
    tmp_path: Path,
    site: Web,
    kind: str,
    no_network: Callable[..., NoNetworkTransport],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transport = no_network(kind)
    monkeypatch.setattr(linkcheck, "build_async_transport", lambda **kw: transport)
    root = project(tmp_path)
    draft = write_draft(root, site, text="[a]({ok}) [b]({missing}) [c]({old})\n")

    result = run("links", str(draft))

    assert len(transport.requested) == 3
    assert site.hits == []
    assert result.exit_code == 0
    assert "dead" not in result.stdout
    assert result.stderr.count("not checked (offline)") == 1
    assert "3 links not checked (offline)" in result.stderr
    assert run("links", "--fail-offline", str(draft)).exit_code == 1


def test_a_second_run_answers_from_the_cache(tmp_path: Path, site: Web, _cache_dir: Path) -> None:
    draft = write_draft(project(tmp_path), site)
    first = run("links", "--all", str(draft))
    sent = len(site.hits)
    assert sent > 0 and any(_cache_dir.iterdir())

    second = run("links", "--all", str(draft))

    assert len(site.hits) == sent
    assert second.exit_code == first.exit_code == 1
    assert f"dead 404  {site.url('/missing')}  (cached)" in second.stdout
    run("links", "--no-cache", str(draft))
    assert len(site.hits) > sent


def test_cache_dir_option_puts_the_cache_there(tmp_path: Path, site: Web, _cache_dir: Path) -> None:
    draft = write_draft(project(tmp_path), site)
    chosen = tmp_path / "elsewhere"

    run("links", "--cache-dir", str(chosen), str(draft))

    assert (chosen / DATABASE_NAME).is_file()
    assert not _cache_dir.exists()


def test_excluded_urls_are_never_requested(tmp_path: Path, site: Web) -> None:
    root = project(tmp_path, FAST + 'exclude = ["/missing$"]\n')
    draft = write_draft(root, site, text="[a]({ok}) [b]({missing})\n")

    result = run("links", "--all", str(draft))

    assert site.hits_for("/missing") == []
    assert result.exit_code == 0
    assert f"excluded  {site.url('/missing')}" in result.stdout


def test_timeout_flag_overrides_the_config(
    tmp_path: Path, raw_server: Callable[..., RawServer]
) -> None:
    server = raw_server(lambda index: (None, None))  # never answers
    root = project(tmp_path)
    (root / "post.md").write_text(f"[slow]({server.url('/slow')})\n", encoding="utf-8")

    result = run("links", "--timeout", "0.2", str(root / "post.md"))

    assert result.exit_code == 1
    assert "timeout" in result.stdout
    assert "no complete response within 0.2s" in result.stdout


def test_max_concurrency_flag_limits_requests_in_flight(
    tmp_path: Path, raw_server: Callable[..., RawServer]
) -> None:
    server = raw_server(lambda index: (0.05, "200 OK"))
    root = project(tmp_path)
    text = " ".join(f"[{i}]({server.url(f'/{i}')})" for i in range(4))
    (root / "post.md").write_text(text + "\n", encoding="utf-8")

    result = run("links", "--max-concurrency", "1", str(root / "post.md"))

    assert result.exit_code == 0, result.output
    assert len(server.times) == 4
    assert server.max_in_flight == 1


def test_lint_check_links_reports_violations_at_their_place(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path), site)

    result = run("lint", "--check-links", str(draft))

    out = result.stdout
    assert result.exit_code == 1
    missing, old, new = site.url("/missing"), site.url("/old"), site.url("/new")
    assert f"{draft}:4:3: BT701 dead link {missing}: HTTP 404 Not Found" in out
    moved_at = column(draft, 3, "[the old page]")
    assert f"{draft}:3:{moved_at}: BT702 {old} has moved permanently to {new}" in out
    assert "[permanent-redirect] (warning)" in out
    assert f"{draft}:5:33: BT704 image images/gone.png not found" in out
    assert "BT703" not in out


def test_lint_json_carries_link_violations(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path), site)

    result = run("lint", "--check-links", "--format", "json", str(draft))

    rules = {(v["rule"], v["line"], v["column"]) for v in json.loads(result.stdout)["violations"]}
    moved_at = column(draft, 3, "[the old page]")
    assert {("BT701", 4, 3), ("BT702", 3, moved_at), ("BT704", 5, 33)} <= rules


def test_lint_checks_links_when_the_config_says_so(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path, FAST + "check_in_lint = true\n"), site)

    result = run("lint", str(draft))

    assert f"{draft}:4:3: BT701" in result.stdout
    assert site.hits_for("/missing")


def test_lint_without_check_links_sends_no_request(tmp_path: Path, site: Web) -> None:
    root = project(tmp_path)
    draft = write_draft(root, site, text=DRAFT.replace("#results", "#reslts"))

    result = run("lint", str(draft))

    assert site.hits == []
    assert "BT701" not in result.stdout and "BT704" not in result.stdout
    assert f"{draft}:5:5: BT703 no heading or anchor #reslts" in result.stdout  # needs no I/O


def test_lint_offline_never_connects_even_when_the_config_asks(tmp_path: Path, site: Web) -> None:
    draft = write_draft(project(tmp_path, FAST + "check_in_lint = true\n"), site)

    result = run("lint", "--offline", str(draft))

    assert site.hits == []
    assert result.stderr.count("link checking skipped (--offline)") == 1
    assert "BT701" not in result.stdout
    assert f"{draft}:5:33: BT704" in result.stdout  # local files need no network


def test_lint_check_links_reads_stdin_too(tmp_path: Path, site: Web) -> None:
    project(tmp_path)
    text = f"# T\n\nA [dead one]({site.url('/missing')}).\n"
    result = CliRunner().invoke(
        main,
        ["lint", "--check-links", "--config", str(tmp_path / "blogtool.toml"), "-"],
        input=text,
    )

    assert "<stdin>:3:3: BT701" in result.stdout


def test_bad_link_settings_are_one_line_errors(tmp_path: Path, web: Web) -> None:
    root = project(tmp_path, '[links]\naccept = "2xx"\n')
    draft = write_draft(root, web, text="[a]({ok})\n")

    result = run("links", str(draft))

    assert result.exit_code == 2
    assert result.stderr.startswith("blogtool: error: ")
    assert "invalid accept range '2xx'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert web.hits == []


def test_unreadable_input_exits_two(tmp_path: Path) -> None:
    project(tmp_path)

    result = run("links", str(tmp_path / "nope.md"))

    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr


def test_help_documents_the_exit_codes() -> None:
    text = run("links", "--help").stdout

    assert "Exit codes:" in text
    assert "not checked (offline)" in text
    assert "--fail-offline" in text


def test_rules_lists_the_link_rules() -> None:
    listing = run("rules").stdout

    for rule_id, name in [
        ("BT701", "dead-link"),
        ("BT702", "permanent-redirect"),
        ("BT703", "broken-anchor"),
        ("BT704", "missing-local-file"),
    ]:
        assert any(line.startswith(rule_id) and name in line for line in listing.splitlines())
    assert "Bad:" in run("rules", "BT701").stdout


def test_lint_check_links_rejects_bad_settings_even_without_links(tmp_path: Path) -> None:
    root = project(tmp_path, "[links]\ntimeout = 0\n")
    (root / "post.md").write_text("# T\n\nNo links here.\n", encoding="utf-8")

    result = run("lint", "--check-links", str(root / "post.md"))

    assert result.exit_code == 2
    assert "timeout must be greater than 0" in result.stderr
