"""The backend a ``[tool.blogtool.spelling]`` configuration names.

Apart from :mod:`blogtool.spelling.backends` so that the backends can import what they
share without importing, through this chooser, each other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from blogtool.spelling.backends import Backend, BackendUnavailable
from blogtool.spelling.dialect import Dialect

if TYPE_CHECKING:
    from blogtool.spelling.vocabulary import Vocabulary

__all__ = ["BACKEND_NAMES", "create_backend"]

BACKEND_NAMES = ("harper", "languagetool")


def create_backend(
    name: str = "harper",
    *,
    dialect: Dialect = Dialect.AMERICAN,
    vocabulary: Vocabulary | None = None,
    languagetool_url: str | None = None,
    languagetool_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    only_rules: frozenset[str] | None = None,
    offline: bool = False,
) -> Backend:
    """The backend called ``name``, from the ``[tool.blogtool.spelling]`` settings.

    Raises :class:`BackendUnavailable` for an unknown name or an unusable LanguageTool
    configuration; nothing is started or contacted until the first :meth:`Backend.check`.
    ``only_rules`` limits Harper to those rules (LanguageTool runs its own selection).
    """
    if name == "harper":
        from blogtool.spelling.harper_backend import HarperBackend

        return HarperBackend(dialect, vocabulary, only_rules=only_rules)
    if name == "languagetool":
        from blogtool.spelling.languagetool_backend import LanguageToolBackend

        return LanguageToolBackend(
            dialect,
            vocabulary,
            url=languagetool_url,
            directory=languagetool_dir,
            environ=os.environ if environ is None else environ,
            offline=offline,
        )
    raise BackendUnavailable(
        f"unknown spelling backend {name!r}; expected one of: {', '.join(BACKEND_NAMES)}"
    )
