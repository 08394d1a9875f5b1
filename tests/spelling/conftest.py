from __future__ import annotations

from collections.abc import Iterator

import pytest

from blogtool.spelling import Dialect, Vocabulary, builtin_vocabulary_paths
from blogtool.spelling.harper_backend import HarperBackend

from .lt_standin import StandinServer


@pytest.fixture(scope="session")
def ml_vocabulary() -> Vocabulary:
    return Vocabulary.load(builtin_vocabulary_paths(Dialect.AMERICAN))


@pytest.fixture(scope="session")
def british_vocabulary() -> Vocabulary:
    return Vocabulary.load(builtin_vocabulary_paths(Dialect.BRITISH))


# Harper backends are shared by the session: building the first Linter takes most of a second.
@pytest.fixture(scope="session")
def harper(ml_vocabulary: Vocabulary) -> HarperBackend:
    return HarperBackend(Dialect.AMERICAN, ml_vocabulary)


@pytest.fixture(scope="session")
def bare_harper() -> HarperBackend:
    return HarperBackend(Dialect.AMERICAN)


@pytest.fixture()
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandinServer]:
    # requests would honour a proxy from the environment; loopback must stay loopback.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = StandinServer().start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
