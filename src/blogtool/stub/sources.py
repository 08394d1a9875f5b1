"""Where a stub's inputs come from besides the draft: the templates the config names and the
papers' metadata from arXiv (through the shared cache). Shared by ``blogtool stub`` and the
language server's "add a section for this paper"; raises :class:`StubError`, never prints."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogtool.stub.errors import StubError
from blogtool.stub.template import Templates

if TYPE_CHECKING:
    from blogtool.arxiv_id import ArxivId
    from blogtool.net.arxiv import Paper


def templates_from_config(option: Path | None, config: Any) -> Templates:
    """``--template`` for whatever layout the draft has; else from config, per layout."""
    from blogtool.layouts import HEADINGS, LAYOUTS, YEARS

    table = config.section("stub")
    per_layout = {}
    configured = table.get("template")
    if configured:
        per_layout = {YEARS: config.root / configured, HEADINGS: config.root / configured}
    for name, path in (table.get("templates") or {}).items():
        if name not in LAYOUTS or not isinstance(path, str):
            raise StubError(
                f"{config.where('stub.templates')}: [stub] templates maps a layout "
                f"({', '.join(LAYOUTS)}) to a file, not {name!r} = {path!r}"
            )
        per_layout[name] = config.root / path
    return Templates(option, per_layout)


def fetch_papers(
    ids: Sequence[ArxivId], config: Any, warn: Callable[[str], None]
) -> dict[str, Paper | None]:
    """arXiv's metadata for ``ids`` (None for an ID arXiv does not know), with the
    ``[arxiv]`` settings; StubError when arXiv cannot be asked. Cache warnings go to ``warn``."""
    from blogtool.net.arxiv import CACHE_MAX_AGE, ENV_API_URL, ArxivClient, ArxivError
    from blogtool.net.cache import DiskCache

    table = config.section("arxiv")
    # The environment beats the config file, so a test or a mirror can redirect one run.
    api_url = None if os.environ.get(ENV_API_URL) else table.get("api_url")
    max_age = float(table.get("cache_max_age", CACHE_MAX_AGE))
    cache = DiskCache.open(max_age=max_age)
    try:
        with ArxivClient(
            api_url,
            cache=cache,
            min_interval=float(table.get("min_interval", 3.0)),
            timeout=float(table.get("timeout", 15.0)),
            cache_max_age=max_age,
            **{key: table[key] for key in ("max_response_bytes", "max_wait") if key in table},
        ) as client:
            return client.fetch(ids)
    except ArxivError as exc:
        raise StubError(f"{exc} (nothing written)") from None
    finally:
        for warning in cache.warnings:
            warn(warning)
        cache.close()
