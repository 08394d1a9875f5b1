"""Work in progress versus what ships: in a draft, what is left to write is a warning.

A post about to be published must not hold placeholders, empty summaries, paper stubs,
notes to self, pasted notes or empty links: lint reports them as errors, and the pre-commit
hook blocks the commit. A *draft* is work in progress, where the same findings are what the
author still has to write: there they are warnings, so a half-written draft can be committed
(and pushed, and shared) while a post that ships stays blocked until it is done.

A file is a draft, after Jekyll's conventions (Hugo's ``draft`` too), when:

- it lies in a ``_drafts`` folder;
- its front matter says ``published: false`` or ``draft: true`` (``draft = true`` in TOML);
- its path matches one of the ``[tool.blogtool] drafts`` globs (``drafts/**``).

The rules concerned are the TODO rules of ``blogtool report`` but dead links (BT701): a dead
link is broken, not unwritten. Only errors become warnings; a rule the config sets to
``warning`` or ``info`` stays as it is, and so does every other rule.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import PurePath

from .document import Document
from .violation import Severity, Violation

__all__ = ["WIP_RULES", "is_draft", "relax"]

# What is left to write, as opposed to what is wrong: report's TODO rules, dead links aside.
WIP_RULES = frozenset(
    {"BT101", "BT102", "BT103", "BT104", "BT105", "BT106", "BT107", "BT201", "BT204"}
    | {"BT401", "BT402"}
)
# Jekyll's and Hugo's keys for a post that is not out yet, and the value that says so
_UNPUBLISHED_FIELD = {"published": "false", "draft": "true"}
_UNPUBLISHED = re.compile(
    r"^[ \t]*(?:published[ \t]*[:=][ \t]*false|draft[ \t]*[:=][ \t]*true)[ \t]*(?:#.*)?$",
    re.I | re.M,
)

_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\n(.*?)^\+\+\+[ \t]*$", re.S | re.M)


def is_draft(doc: Document, globs: Sequence[str] = ()) -> bool:
    """Whether ``doc`` is work in progress (see the module docstring)."""
    path = PurePath(doc.path)
    if "_drafts" in path.parts:
        return True
    fields = doc.front_matter.fields if doc.front_matter is not None else {}
    if any(_UNPUBLISHED_FIELD.get(key.lower()) == value.lower() for key, value in fields.items()):
        return True
    toml = _TOML_FRONT_MATTER.match(doc.text)  # Hugo's +++ front matter
    if toml is not None and _UNPUBLISHED.search(toml.group(1)):
        return True
    return _matches(path.as_posix(), globs)


def _matches(path: str, globs: Iterable[str]) -> bool:
    """A glob matches the path, or its end (``drafts/**`` matches ``blog/drafts/a.md``)."""
    path = path.removeprefix("./")
    for glob in globs:
        glob = glob.removeprefix("./")
        if fnmatch.fnmatch(path, glob) or fnmatch.fnmatch(path, "*/" + glob.lstrip("/")):
            return True
    return False


def relax(doc: Document, violations: list[Violation], globs: Sequence[str] = ()) -> list[Violation]:
    """``violations`` with the errors of :data:`WIP_RULES` made warnings when ``doc`` is a
    draft; unchanged otherwise."""
    if not any(v.rule_id in WIP_RULES and v.severity == Severity.ERROR for v in violations):
        return violations
    if not is_draft(doc, globs):
        return violations
    return [
        replace(v, severity=Severity.WARNING)
        if v.rule_id in WIP_RULES and v.severity == Severity.ERROR
        else v
        for v in violations
    ]
