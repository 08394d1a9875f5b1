"""DiskCache on its own, then the link checker's use of it against a local server."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from blogtool.net.cache import CACHE_DIR_ENV, DATABASE_NAME, DiskCache, default_cache_dir
from blogtool.net.linkcheck import CACHE_NAMESPACE, LinkCheckConfig, LinkStatus, check_urls

if TYPE_CHECKING:
    from .conftest import Web

# --- DiskCache -----------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_value_round_trips_with_its_timestamp(tmp_path: Path) -> None:
    clock = Clock()
    cache = DiskCache(tmp_path, clock=clock)
    value = {"code": 200, "ok": True, "tags": ["a", "b"], "note": None, "ratio": 0.5}
    cache.put("links", "https://example.org/", value)
    entry = cache.get("links", "https://example.org/")
    assert entry is not None
    assert entry.value == value
    assert entry.stored_at == clock.now


def test_missing_key_is_none(tmp_path: Path) -> None:
    assert DiskCache(tmp_path).get("links", "https://example.org/") is None


def test_entries_stored_after_a_miss_are_found(tmp_path: Path) -> None:
    # A miss on an empty cache is remembered per namespace; a store must undo that, in this
    # cache and in another one opened on the same directory (another process).
    cache = DiskCache(tmp_path)
    assert cache.get("links", "a") is None
    other = DiskCache(tmp_path)
    assert other.get("links", "b") is None
    cache.put("links", "a", 1)
    assert cache.get("links", "a").value == 1
    assert DiskCache(tmp_path).get("links", "a").value == 1
    assert cache.get("arxiv", "a") is None


def test_a_batch_is_stored_in_one_go_and_overwrites(tmp_path: Path) -> None:
    clock = Clock()
    cache = DiskCache(tmp_path, clock=clock)
    cache.put("links", "k0", "old")
    clock.now += 5
    cache.put_many("links", [(f"k{index}", index) for index in range(3)])
    assert [cache.get("links", f"k{index}").value for index in range(3)] == [0, 1, 2]
    assert cache.get("links", "k0").stored_at == clock.now
    cache.put_many("links", [])  # nothing to store opens nothing
    assert cache.enabled


def test_an_interrupted_batch_stores_nothing(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)

    def items():
        yield "a", 1
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.put_many("links", items())
    assert cache.get("links", "a") is None
    assert cache.enabled


def test_entry_expires_at_max_age(tmp_path: Path) -> None:
    clock = Clock()
    cache = DiskCache(tmp_path, max_age=100, clock=clock)
    cache.put("links", "k", 1)
    clock.now += 99
    assert cache.get("links", "k") is not None
    clock.now += 1
    assert cache.get("links", "k") is None
    # A caller with its own notion of freshness overrides the cache's default.
    assert cache.get("links", "k", max_age=1000) is not None
    assert cache.get("links", "k", max_age=0) is None


def test_entry_from_the_future_is_not_trusted(tmp_path: Path) -> None:
    clock = Clock()
    cache = DiskCache(tmp_path, clock=clock)
    cache.put("links", "k", 1)
    clock.now -= 3600
    assert cache.get("links", "k") is None


def test_namespaces_are_separate(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put("links", "k", "link value")
    cache.put("arxiv", "k", "paper value")
    assert cache.get("links", "k").value == "link value"
    assert cache.get("arxiv", "k").value == "paper value"


@pytest.mark.parametrize("namespace", ["", "../up", "a/b", "Links", ".hidden", "a b"])
def test_bad_namespace_is_rejected(tmp_path: Path, namespace: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        DiskCache(tmp_path).put(namespace, "k", 1)


EVIL_KEYS = [
    "../../../../etc/passwd",
    "/etc/passwd",
    "..",
    "a/../../b",
    "C:\\Windows\\system32",
    "nul\x00byte",
    "x" * 5000,
    "http://example.org/\u00e9t\u00e9?q=1#frag",
    "lone surrogate \ud800",
]


SIDE_FILES = ("-wal", "-shm")


@pytest.mark.parametrize("key", EVIL_KEYS)
def test_keys_are_data_and_write_nothing_outside_the_directory(tmp_path: Path, key: str) -> None:
    root = tmp_path / "cache"
    cache = DiskCache(root)
    cache.put("links", key, "v")
    assert cache.get("links", key).value == "v"
    assert DiskCache(root).get("links", key).value == "v"
    cache.close()
    written = {path for path in tmp_path.rglob("*") if path.is_file()}
    # the database and, while a connection may still be open, SQLite's log beside it
    assert root / DATABASE_NAME in written
    assert written <= {root / DATABASE_NAME, *(root / f"{DATABASE_NAME}{s}" for s in SIDE_FILES)}


def _store_raw(directory: Path, key: str, stored_at: object, value: object) -> None:
    """Write a row as another program (or a damaged disk) might have left it."""
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db, db:
        db.execute(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
            ("links", key.encode(), stored_at, value),
        )


def _row_count(directory: Path) -> int:
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db:
        return db.execute("SELECT count(*) FROM entries").fetchone()[0]


@pytest.mark.parametrize(
    ("stored_at", "value"),
    [
        (1_000_000.0, "{not json"),
        (1_000_000.0, ""),
        (1_000_000.0, b"\xff\xfe bytes"),
        ("yesterday", "1"),
        (b"\x00", "1"),
    ],
)
def test_a_malformed_entry_reads_as_missing_and_is_replaced(
    tmp_path: Path, stored_at: object, value: object
) -> None:
    cache = DiskCache(tmp_path, clock=Clock())
    cache.put("links", "k", "first")  # creates the database
    _store_raw(tmp_path, "k", stored_at, value)
    assert cache.get("links", "k") is None
    cache.put("links", "k", "fresh")
    assert cache.get("links", "k").value == "fresh"
    assert cache.enabled and cache.warnings == ()


@pytest.mark.parametrize("content", [b"{not a database", b"", b"\xff" * 4096])
def test_a_file_that_is_not_a_database_is_replaced_with_a_warning(
    tmp_path: Path, content: bytes
) -> None:
    (tmp_path / DATABASE_NAME).write_bytes(content)
    cache = DiskCache.open(tmp_path, clock=Clock())
    cache.put("links", "k", "fresh")
    assert cache.get("links", "k").value == "fresh"
    assert cache.enabled
    if content:  # an empty file is an empty database to SQLite: nothing to warn about
        assert len(cache.warnings) == 1
        assert "damaged" in cache.warnings[0] and str(tmp_path) in cache.warnings[0]


def test_a_database_of_another_format_is_left_alone(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE_NAME)) as db:
        db.execute("PRAGMA user_version = 99")
    cache = DiskCache.open(tmp_path)
    assert not cache.enabled
    assert "another version" in cache.warnings[0]
    cache.put("links", "k", 1)
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE_NAME)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99


def test_open_creates_the_directory(tmp_path: Path) -> None:
    cache = DiskCache.open(tmp_path / "a" / "b")
    assert cache.enabled and cache.warnings == ()
    assert (tmp_path / "a" / "b").is_dir()


def unwritable_dir(tmp_path: Path) -> Path:
    # A path below a regular file can never be created, even by root (chmod would not stop root).
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    return blocker / "cache"


def test_unwritable_directory_disables_the_cache_with_a_warning(tmp_path: Path) -> None:
    directory = unwritable_dir(tmp_path)
    cache = DiskCache.open(directory)
    assert not cache.enabled
    assert len(cache.warnings) == 1
    assert str(directory) in cache.warnings[0]
    assert "without a cache" in cache.warnings[0]
    cache.put("links", "k", 1)  # no exception
    assert cache.get("links", "k") is None


def test_a_database_locked_by_another_process_disables_the_cache_once(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, lock_timeout=0.05)
    cache.put("links", "k0", 0)
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE_NAME)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another blogtool in the middle of a long write
        cache.put("links", "k1", 1)
        cache.put("links", "k2", 2)
        other.rollback()
    assert not cache.enabled
    assert len(cache.warnings) == 1
    assert "locked" in cache.warnings[0] and "without a cache" in cache.warnings[0]
    assert cache.get("links", "k0") is None  # off for the rest of the run
    assert DiskCache(tmp_path).get("links", "k0").value == 0


def test_trim_keeps_the_newest_entries_of_one_namespace(tmp_path: Path) -> None:
    clock = Clock()
    cache = DiskCache(tmp_path, clock=clock, max_age=1e9)
    for n in range(5):
        clock.now += 1
        cache.put("spelling", f"k{n}", n)
    cache.put("links", "other", 1)
    cache.trim("spelling", 2)
    assert [cache.get("spelling", f"k{n}") is not None for n in range(5)] == [0, 0, 0, 1, 1]
    assert cache.get("links", "other").value == 1
    cache.trim("spelling", 2)  # already small enough: nothing more goes
    assert cache.get("spelling", "k3") is not None


WRITERS = 6
BATCHES = 25
BATCH = 40


def _write_at_once(directory: str, writer: int, start: object, out: object) -> None:
    """One lint worker's share of the writing, begun together with the others."""
    cache = DiskCache(directory)  # not opened yet: creation races too
    start.wait()  # type: ignore[attr-defined]
    for batch in range(BATCHES):
        cache.put_many(
            "spelling", [(f"{writer}/{batch}/{i}", [writer, batch, i]) for i in range(BATCH)]
        )
        cache.get("spelling", f"{(writer + 1) % WRITERS}/0/0")  # read amid the others' writes
    cache.close()
    out.put((writer, cache.enabled, cache.warnings))  # type: ignore[attr-defined]


def test_parallel_writers_lose_nothing_and_leave_a_sound_database(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(WRITERS), context.Queue()
    workers = [
        context.Process(target=_write_at_once, args=(str(tmp_path), n, start, out))
        for n in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    reports = sorted(out.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    assert reports == [(n, True, ()) for n in range(WRITERS)]
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE_NAME)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    cache = DiskCache(tmp_path, max_age=1e9)
    for writer in range(WRITERS):
        for batch in range(BATCHES):
            for i in range(BATCH):
                entry = cache.get("spelling", f"{writer}/{batch}/{i}")
                assert entry is not None and entry.value == [writer, batch, i]
    cache.close()


def test_default_directory_precedence(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    assert default_cache_dir({"HOME": home}) == Path(home, ".cache", "blogtool")
    xdg = str(tmp_path / "xdg")
    assert default_cache_dir({"HOME": home, "XDG_CACHE_HOME": xdg}) == Path(xdg, "blogtool")
    # The XDG spec says to ignore a relative value.
    relative = {"HOME": home, "XDG_CACHE_HOME": "relative/dir"}
    assert default_cache_dir(relative) == Path(home, ".cache", "blogtool")
    explicit = str(tmp_path / "mine")
    env = {"HOME": home, "XDG_CACHE_HOME": xdg, CACHE_DIR_ENV: explicit}
    assert default_cache_dir(env) == Path(explicit)


def test_open_uses_the_environment_unless_given_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "from-env"))
    assert DiskCache.open().directory == tmp_path / "from-env"
    assert DiskCache.open(tmp_path / "argument").directory == tmp_path / "argument"


# --- the link checker with a cache ---------------------------------------------------------

Config = Callable[..., LinkCheckConfig]


def test_second_run_sends_no_request_for_cached_links(
    web: Web, make_config: Config, tmp_path: Path
) -> None:
    web.route("/ok", 200)
    web.route("/old", (301, {"Location": "/new"}))
    web.route("/new", 200)
    web.route("/gone", 410)
    urls = [web.url("/ok"), web.url("/old"), web.url("/gone")]
    first = check_urls(urls, make_config(), cache=DiskCache(tmp_path))
    sent = len(web.hits)
    assert sent == 4

    second = check_urls(urls, make_config(), cache=DiskCache(tmp_path))
    assert len(web.hits) == sent
    for url in urls:
        assert second[url].cached and not first[url].cached
        assert second[url].attempts == 0
        assert second[url].status == first[url].status
        assert second[url].code == first[url].code
    assert second[web.url("/old")].status is LinkStatus.REDIRECT
    assert second[web.url("/old")].moved_to == web.url("/new")
    assert second[web.url("/gone")].status is LinkStatus.DEAD


def test_cache_is_keyed_without_the_fragment(web: Web, make_config: Config, tmp_path: Path) -> None:
    web.route("/page", 200)
    check_urls([web.url("/page#intro")], make_config(), cache=DiskCache(tmp_path))
    again = check_urls([web.url("/page#results")], make_config(), cache=DiskCache(tmp_path))
    assert len(web.hits) == 1
    assert again[web.url("/page#results")].cached


def test_cached_answer_is_judged_by_the_current_accept_setting(
    web: Web, make_config: Config, tmp_path: Path
) -> None:
    web.route("/gone", 410)
    url = web.url("/gone")
    assert check_urls([url], make_config(), cache=DiskCache(tmp_path))[url].status == "dead"
    relaxed = make_config(accept="200..=299, 410")
    result = check_urls([url], relaxed, cache=DiskCache(tmp_path))[url]
    assert result.cached and result.status is LinkStatus.OK
    assert len(web.hits) == 1


def test_errors_and_rate_limits_are_not_cached(
    web: Web, make_config: Config, tmp_path: Path, closed_port: int
) -> None:
    web.route("/broken", 503)
    web.route("/limited", 429)
    web.route("/limited-but-accepted", 429)
    urls = [web.url("/broken"), web.url("/limited"), f"http://127.0.0.1:{closed_port}/"]
    config = make_config(max_retries=0)
    check_urls(urls, config, cache=DiskCache(tmp_path))
    accepting = make_config(max_retries=0, accept="200..=299, 429")
    accepted = web.url("/limited-but-accepted")
    assert check_urls([accepted], accepting, cache=DiskCache(tmp_path))[accepted].status == "ok"
    assert _row_count(tmp_path) == 0

    before = len(web.hits)
    again = check_urls(urls, config, cache=DiskCache(tmp_path))
    assert not any(result.cached for result in again.values())
    assert len(web.hits) == before + 2


def test_timeouts_are_not_cached(raw_server, make_config: Config, tmp_path: Path) -> None:
    server = raw_server(lambda index: (None, None))  # never answers
    config = make_config(timeout=0.3, max_retries=0)
    first = check_urls([server.url()], config, cache=DiskCache(tmp_path))
    assert first[server.url()].status is LinkStatus.TIMEOUT
    check_urls([server.url()], config, cache=DiskCache(tmp_path))
    assert len(server.times) == 2


def test_zero_max_age_always_asks_again(web: Web, make_config: Config, tmp_path: Path) -> None:
    web.route("/ok", 200)
    config = make_config(cache_max_age=0)
    check_urls([web.url("/ok")], config, cache=DiskCache(tmp_path))
    check_urls([web.url("/ok")], config, cache=DiskCache(tmp_path))
    assert len(web.hits) == 2


def test_corrupt_link_entry_is_ignored_and_rebuilt(
    web: Web, make_config: Config, tmp_path: Path
) -> None:
    web.route("/ok", 200)
    url = web.url("/ok")
    check_urls([url], make_config(), cache=DiskCache(tmp_path))
    _store_raw(tmp_path, url, time.time(), '{"code": 2')
    rebuilt = check_urls([url], make_config(), cache=DiskCache(tmp_path))
    assert rebuilt[url].status is LinkStatus.OK and not rebuilt[url].cached
    third = check_urls([url], make_config(), cache=DiskCache(tmp_path))
    assert third[url].cached
    assert len(web.hits) == 2


def test_malformed_link_value_is_ignored(web: Web, make_config: Config, tmp_path: Path) -> None:
    web.route("/ok", 200)
    url = web.url("/ok")
    DiskCache(tmp_path).put(CACHE_NAMESPACE, url, {"code": "two hundred"})
    result = check_urls([url], make_config(), cache=DiskCache(tmp_path))[url]
    assert result.status is LinkStatus.OK and not result.cached
    assert len(web.hits) == 1


def test_unwritable_cache_directory_runs_uncached(
    web: Web, make_config: Config, tmp_path: Path
) -> None:
    web.route("/ok", 200)
    url = web.url("/ok")
    cache = DiskCache.open(unwritable_dir(tmp_path))
    assert check_urls([url], make_config(), cache=cache)[url].status is LinkStatus.OK
    assert check_urls([url], make_config(), cache=cache)[url].status is LinkStatus.OK
    assert len(web.hits) == 2
    assert len(cache.warnings) == 1
