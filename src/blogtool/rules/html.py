"""HTML structure rules: ``<details>`` blocks, comments, front matter, swallowing blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..details import details_layout, empty_summaries
from ..document import COMMENT, HTML_TAG, Document
from ..frontmatter import FRONT_MATTER_KEYS, misplaced_front_matter
from ..registry import Hit, Option, RuleContext, rule

_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,40})\b[^<>]{0,2000}>")


def _summary_key(title: str) -> str:
    """A summary title as compared: ``**Quick Summary:**`` is ``quick summary``."""
    return " ".join(title.strip().strip("*_:.` ").lower().split())


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
    A block whose tags slipped is still checked (BT501 reports the slip): an unclosed
    block ends at the next heading or ``<details>``, and ``<summary>Title<summary>`` or an
    unclosed ``<summary>`` is read as a summary ending with its line.

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
    wanted = {_summary_key(s) for s in ctx.options["summaries"]}
    for block in empty_summaries(doc):
        if wanted and _summary_key(block.title) not in wanted:
            continue
        where = "before </details>" if block.closed else "under the summary"
        yield Hit(
            block.start,
            block.end,
            f"the {block.title or 'summary'} block is empty: write two or three sentences {where}",
        )


# ---------------------------------------------------------------------- BT501


@rule(
    "BT501",
    "unclosed-html",
    "error",
    options={
        "tags": Option(["details", "summary"], list, "elements whose open and close tags must pair")
    },
)
def unclosed_html(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A ``<details>`` or ``<summary>`` opened and never closed (or closed and never opened).

    An unclosed ``<details>`` folds the rest of the post into the collapsed block, so
    readers never see it unless they click. Tags in code, math and comments are ignored.
    Each slip is reported once, where it is, with what was probably meant: a second
    ``<summary>`` typed for ``</summary>``, a ``</details>`` typed for ``</summary>``, a
    summary that holds the whole text of the block. One slip does not change how the
    other blocks are read. Other elements can be checked with the ``tags`` option. A
    ``<pre>``, ``<script>``, ``<style>`` or ``<textarea>`` block left open is always
    reported: CommonMark shows the rest of the post as its raw content.

    Bad:

        <details>
        <summary>Quick Summary</summary>

        DPO skips the reward model.

        ### Next paper

    Good:

        <details>
        <summary>Quick Summary</summary>

        DPO skips the reward model.

        </details>
    """
    wanted = {t.strip().lower() for t in ctx.options["tags"]}
    for slip in details_layout(doc).slips:
        if slip.tag in wanted:
            yield Hit(slip.start, slip.end, slip.message)
    yield from _unpaired_tags(doc, wanted - {"details", "summary"})
    for problem in doc.problems:
        if problem.kind == "unclosed_raw_html":
            name = doc.text[problem.start + 1 : problem.end].lower()
            yield Hit(
                problem.start,
                problem.end,
                f"<{name}> is never closed, so everything after it shows as raw text and is "
                f"not checked: add </{name}> where the block should end",
            )


def _unpaired_tags(doc: Document, wanted: set[str]) -> Iterator[Hit]:
    """Open and close tags of other elements, paired with one stack."""
    if not wanted:
        return
    stack: list[tuple[str, re.Match[str]]] = []
    open_count = dict.fromkeys(wanted, 0)  # so a stray closer costs no search of the stack
    for m in _ANY_TAG.finditer(doc.text):
        name = m.group(2).lower()
        if name not in wanted or doc.kind_at(m.start()) != HTML_TAG:
            continue
        if m.group(0).endswith("/>"):
            continue
        if not m.group(1):
            stack.append((name, m))
            open_count[name] += 1
            continue
        if not open_count[name]:
            yield Hit(
                m.start(),
                m.end(),
                f"</{name}> closes nothing: remove it or add the missing <{name}> above",
            )
            continue
        depth = next(i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == name)
        for inner_name, inner in stack[depth + 1 :]:
            yield _unclosed(
                inner_name, inner, f" before </{name}> on line {doc.position(m.start())[0]}"
            )
        for popped, _ in stack[depth:]:
            open_count[popped] -= 1
        del stack[depth:]
    for name, m in stack:
        yield _unclosed(name, m, "")


def _unclosed(name: str, m: re.Match[str], where: str) -> Hit:
    return Hit(
        m.start(),
        m.end(),
        f"<{name}> is never closed{where}: add </{name}> where the block should end",
    )


# ---------------------------------------------------------------------- BT502

_COMMENT_OPEN = re.compile(r"<!--")


@rule("BT502", "unclosed-comment", "error")
def unclosed_comment(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """An HTML comment ``<!--`` with no ``-->`` after it.

    In a browser an unclosed comment hides everything after it. markdown-it would stop it
    at the end of its block, so the linter still checks the rest of the file, but the post
    is broken. Also flagged: a ``<!--`` inside a paragraph that is not closed before the
    paragraph ends (at a blank line); Markdown then prints the comment as text.

    Bad:

        <!-- rewrite this section

        ## 2018

    Good:

        <!-- rewrite this section -->

        ## 2018
    """
    text = doc.text
    last_close = text.rfind("-->")
    repaired = {p.start for p in doc.problems if p.kind == "unclosed_comment"}
    wrapping = {p.start for p in doc.problems if p.kind == "commented_out"}
    for m in _COMMENT_OPEN.finditer(text):
        start = m.start()
        kind = doc.kind_at(start)
        if start in wrapping:
            continue  # the opener of a commented-out post (BT504)
        if start in repaired:
            pass
        elif kind == "prose":
            if start > 0 and text[start - 1] == "\\":
                continue
            if last_close > start:
                yield Hit(
                    start,
                    m.end(),
                    "this <!-- is not closed within its paragraph, so Markdown prints it as "
                    "text: put --> before the blank line, or start the comment on its own line",
                )
                continue
        elif kind != COMMENT or last_close > start:
            continue
        yield Hit(
            start,
            m.end(),
            "<!-- is never closed, so a browser hides everything after it: add --> where "
            "the comment should end",
        )


# ---------------------------------------------------------------------- BT503


@rule(
    "BT503",
    "misplaced-front-matter",
    "error",
    options={"keys": Option(FRONT_MATTER_KEYS, list, "keys that mark a block as front matter")},
)
def misplaced_front_matter_rule(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A ``---`` block of ``key: value`` lines that is not on the very first line.

    Jekyll and Hugo read front matter only when ``---`` is the first line of the file.
    Anywhere else (after a blank line, after text, or a second block) it renders as a
    horizontal rule followed by a heading made of the YAML, and the title, date and
    layout are lost. A block counts when every line looks like YAML and it has a known
    key (``title``, ``layout``, ``date`` ... see the ``keys`` option) or two keys.

    Bad:

        (a blank first line)
        ---
        title: The Evolution of Language Models
        ---

    Good:

        ---
        title: The Evolution of Language Models
        ---
    """
    for block in misplaced_front_matter(doc, ctx.options["keys"]):
        before = doc.text[: block.start]
        if not before.strip():
            advice = "front matter must start on line 1: delete the blank lines above it"
        elif doc.front_matter is not None:
            advice = (
                "a second front matter block renders as text: merge it into the one at the "
                "top of the file"
            )
        else:
            advice = (
                "front matter is read only on line 1; here it renders as a rule and a "
                "heading: move it to the top of the file"
            )
        yield Hit(block.start, block.start + 3, advice)


# ---------------------------------------------------------------------- BT504, BT505


@rule("BT504", "commented-out-post", "warning")
def commented_out_post(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """One HTML comment wraps the whole post, so nothing of it is published.

    Reported once, at the ``<!--``. The inside is still linted as if the comment were
    not there, so a draft parked in a comment keeps being checked.

    Bad:

        <!--
        ## 2017
        ### Attention Is All You Need
        ...
        -->

    Delete the ``<!--`` and ``-->`` when the post is ready, or keep the draft out of the
    published folder instead of commenting it out. A comment around part of the post is
    left alone.

    Good:

        ## 2017
        ### Attention Is All You Need
        ...
        <!--
        ## 2018
        ### BERT
        -->
    """
    for problem in doc.problems:
        if problem.kind == "commented_out":
            yield Hit(
                problem.start,
                problem.start + 4,
                "the whole post is inside an HTML comment, so nothing is published: remove "
                "this <!-- and the --> at the end",
            )
            return


@rule("BT505", "unclosed-code-fence", "error")
def unclosed_code_fence(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A code fence (```` ``` ```` or ``~~~``) that is never closed.

    Markdown turns everything after an unclosed fence into one code block, headings and
    all. The linter reports the opener and checks the rest of the file as Markdown.

    Bad:

        ```python
        loss = -logsigmoid(beta * margin)

        ## 2018

    Good:

        ```python
        loss = -logsigmoid(beta * margin)
        ```

        ## 2018
    """
    for problem in doc.problems:
        if problem.kind == "unclosed_fence":
            fence = doc.text[problem.start : problem.end]
            yield Hit(
                problem.start,
                problem.end,
                f"code fence {fence} is never closed, so everything after it renders as "
                f"code: add a closing {fence} line where the code ends",
            )
