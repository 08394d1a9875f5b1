"""Suite-wide settings: no test may write to the user's real cache directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
