"""What a reader sees as the content of a draft.

A section holding only comments, link reference definitions, horizontal rules or an empty
``<details>`` block has nothing in it for a reader. The structure rules (empty sections,
paper stubs) and the paper locator (does an entry have notes?) ask the same question, so
they read the same text.
"""

from __future__ import annotations

from .details import empty_summaries
from .document import COMMENT, REF_DEFINITION, Document, blank_spans

_NOT_CONTENT = frozenset({COMMENT, REF_DEFINITION})


def content_text(doc: Document, also: frozenset[str] = frozenset()) -> str:
    """``doc.text`` with what a reader does not see as content blanked: comments, link
    reference definitions, horizontal rules, empty ``<details>`` blocks, the markers of a
    commented-out post or of a repaired unclosed comment (and the region kinds in ``also``).
    """
    text = doc.masked(_NOT_CONTENT | also)
    spans = [(b.start, b.end) for b in empty_summaries(doc)]
    spans += [(b.start, b.end) for b in doc.blocks if b.kind == "hr"]
    for problem in doc.problems:
        if problem.kind == "commented_out":
            spans += [(problem.start, problem.start + 4), (problem.end - 3, problem.end)]
        elif problem.kind == "unclosed_comment":
            spans.append((problem.start, problem.end))
    return blank_spans(text, spans)
