"""Suite-wide settings and fixtures: no test may write to the user's real cache directory."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first (the sort is stable; all else keeps its order).

    Spread over xdist's workers, a test of a quarter of a minute that started last would keep
    one worker busy after the others have finished.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def _cache_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("caches")


@pytest.fixture(autouse=True)
def _private_cache_dir(_cache_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A directory of its own for each test, which blogtool makes when it first writes to it:
    # most tests never do, and thousands of empty directories cost seconds to make and remove.
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(_cache_dirs / uuid.uuid4().hex))


@pytest.fixture(scope="session")
def shared_http_server() -> Iterator[HTTPServer]:
    """One threaded HTTP server on 127.0.0.1 for the whole session.

    Stopping a server waits out its 0.5 s poll, which a server per test paid about a hundred
    times over. Fixtures that use this one ``clear()`` it before and after each test, so no
    handler or request log leaks from one test into the next.
    """
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()
