"""Spelling and grammar backends (Harper, LanguageTool) and the ML vocabulary.

Typical use at the edge (the CLI or the lint-rule glue)::

    dialect = Dialect.parse(settings.get("dialect", "american"))
    vocabulary = Vocabulary.load(vocabulary_paths(dialect, config.rules_dirs) + user_files,
                                 settings.get("words", []))
    backend = create_backend(settings.get("backend", "harper"), dialect=dialect,
                             vocabulary=vocabulary, ...)
    for finding in backend.check(doc.prose_text):
        line, col = doc.position(finding.start)

Importing this package does not import harper or language_tool_python.
"""

from blogtool.spelling.backends import (
    Backend,
    BackendUnavailable,
    Finding,
    FindingKind,
    filter_findings,
)
from blogtool.spelling.dialect import Dialect
from blogtool.spelling.factory import BACKEND_NAMES, create_backend
from blogtool.spelling.vocabulary import (
    Vocabulary,
    VocabularyError,
    builtin_vocabulary_paths,
    parse_words_comment,
    vocabulary_paths,
)

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "BackendUnavailable",
    "Dialect",
    "Finding",
    "FindingKind",
    "Vocabulary",
    "VocabularyError",
    "builtin_vocabulary_paths",
    "create_backend",
    "filter_findings",
    "parse_words_comment",
    "vocabulary_paths",
]
