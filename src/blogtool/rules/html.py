"""HTML structure rules: ``<details>`` blocks, comments, front matter, swallowing blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import COMMENT, Document
from ..registry import Hit, Option, RuleContext, rule

_DETAILS_TAG = re.compile(r"<(/?)(details|summary)\b[^>]*>", re.I)


def _details_tags(doc: Document) -> Iterator[re.Match[str]]:
    for m in _DETAILS_TAG.finditer(doc.text):
        if doc.kind_at(m.start()) == "html_tag":
            yield m


@rule(
    "BT101",
    "empty-quick-summary",
    "error",
    options={"summaries": Option(["Quick Summary"], list, "summary titles that must be filled in")},
)
def empty_quick_summary(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A ``<details>`` block whose summary is followed by nothing before ``</details>``.

    The house style opens every paper section with a collapsible Quick Summary; an empty
    one renders as a disclosure triangle that opens onto nothing. Both the tight form and
    the form with blank lines are checked; HTML comments inside do not count as content.

    Bad:

        <details>
        <summary>Quick Summary</summary>

        </details>

    Good:

        <details>
        <summary>Quick Summary</summary>

        DPO trains the policy directly on preference pairs, with no reward model.

        </details>
    """
    wanted = {s.strip().lower() for s in ctx.options["summaries"]}
    tags = list(_details_tags(doc))
    for i, m in enumerate(tags):
        if m.group(1) or m.group(2).lower() != "details":
            continue
        # <details> <summary> ... </summary> ... </details>, in that order
        if i + 3 >= len(tags):
            continue
        seq = tags[i + 1 : i + 4]
        shape = [(t.group(1), t.group(2).lower()) for t in seq]
        if shape != [("", "summary"), ("/", "summary"), ("/", "details")]:
            continue
        title = re.sub(r"<[^>]*>|\s+", " ", doc.text[seq[0].end() : seq[1].start()]).strip()
        if wanted and title.lower() not in wanted:
            continue
        inside = doc.text[seq[1].end() : seq[2].start()]
        body = "".join(
            ch for offset, ch in enumerate(inside, seq[1].end()) if doc.kind_at(offset) != COMMENT
        )
        if not body.strip():
            yield Hit(
                m.start(),
                seq[2].end(),
                f"the {title or 'summary'} block is empty: write two or three sentences "
                "before </details>",
            )
