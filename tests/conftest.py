"""Suite-wide settings and fixtures: no test may write to the user's real cache directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run first (the sort is stable; all else keeps its order).

    Spread over xdist's workers, a test of a quarter of a minute that started last would keep
    one worker busy after the others have finished.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


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
