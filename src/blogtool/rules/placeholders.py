"""Placeholder rules: tokens, instructions to the author and empty brackets left in a draft.

The three rules share one reading of the prose's bracketed groups (``[...]``, ``{...}``
and ``<...>``), done by :func:`blogtool.rules._brackets.classify_groups`, so that a group
is reported under one rule only: a group holding a placeholder word or token belongs to
BT102, one opening with an imperative verb to BT103. The note-to-self rule (BT107, in
``prose.py``) reads the same groups to stay out of the ones reported here.

Words and tokens are data: ``rules/placeholders.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Document
from ..registry import Hit, Option, RuleContext, rule
from ._brackets import (
    INSTRUCTION,
    PLACEHOLDER,
    Spans,
    classify_groups,
    in_url,
    is_token_placeholder,
    load_data,
)
from ._fixes import remove_brackets

_BARE_TOKEN = re.compile(r"(?<![\w\-/.])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w\-/])")
_EMPTY = re.compile(r"(?<=[\w).])\[[ \t]*\]")
_CONTINUATION = re.compile(r"\n[ \t>]*")  # a line break inside a blockquote or list item
_SPACE = re.compile(r"\s+")


def _quote(text: str, limit: int = 60) -> str:
    flat = _SPACE.sub(" ", _CONTINUATION.sub("\n", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------- rules


@rule(
    "BT102",
    "placeholder-token",
    "error",
    options={
        "special_tokens": Option(
            [], list, "more tokens to leave alone, added to rules/placeholders.toml"
        )
    },
)
def placeholder_token(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A placeholder token stands where content should be.

    Flags bracketed upper-case tokens with underscores (``[ADD_IMAGE_OF_BERT]``,
    ``{FIGURE_HERE}``), any bracket holding TODO, TBD, TBA, FIXME, WIP, XXX or
    PLACEHOLDER (``[TODO: add the loss curve]``, ``[XXX et al.]``), a bracketed
    ``[link]`` or ``[citation]`` standing for a missing one, and a bare
    ``ADD_IMAGE_OF_BERT`` or ``FIGURE_HERE`` in prose.

    Left alone: model vocabulary such as ``[CLS]``, ``[SEP]``, ``[MASK]``,
    ``<|endoftext|>`` (the ``special_tokens`` list of ``rules/placeholders.toml`` and
    the ``special_tokens`` option), names like ``CUDA_VISIBLE_DEVICES``, links,
    citations ``[1]``, and anything in code or math. A bare ``TODO`` in prose is a note
    to self, reported by BT107.

    Bad:

        [ADD_IMAGE_OF_BERT]

        The model reaches [TBD] accuracy on GLUE.

    Good:

        ![BERT's encoder stack](/assets/bert.png)

        The model reaches 80.5 accuracy on GLUE.
    """
    special = tuple(ctx.options["special_tokens"])
    pdata = ctx.data.derived(("placeholders", special), lambda: load_data(ctx.data, special))
    groups = classify_groups(doc, pdata)
    for group in groups:
        if group.kind == PLACEHOLDER:
            yield Hit(
                group.start,
                group.end,
                f"placeholder {_quote(group.text)} left in the draft: put in what it "
                "stands for, or remove it",
            )
    inside = Spans(groups)
    for m in _BARE_TOKEN.finditer(doc.prose_text):
        token = m.group(0)
        if (
            f"[{token}]" in pdata.special
            or f"<{token}>" in pdata.special
            or not is_token_placeholder(token, pdata)
            or m.start() in inside
            or in_url(doc, m.start())
        ):
            continue
        yield Hit(
            m.start(),
            m.end(),
            f"placeholder {token} left in the draft: put in what it stands for, or remove it",
        )


@rule("BT103", "author-instruction", "error")
def author_instruction(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """An instruction to the author, in brackets or braces, left in the draft.

    A group that opens with an imperative verb (the ``instruction_verbs`` of
    ``rules/placeholders.toml``: add, insert, show, explain, maybe, talk about, ...),
    also after a note label (``[Note: add a comparison with beam search]``), or that
    ends in "here" after a thing to put there (``[image here]``, ``[a plot of the loss
    would go here]``). It may span lines, in a blockquote or list item too; it is
    reported at its opening bracket. A bracketed question to oneself (``{should I
    cover MoE here?}``) is a note to self, reported by BT107.

    Left alone: links and link texts, footnotes, citations, ``[sic]``, labels such as
    ``[Update: ...]`` or ``[Edit, 2024]``, titles (``[Show and Tell]``), an editor's
    word in a quotation (``"they [show] that"``), Jekyll Liquid ``{{ }}`` and
    ``{% %}``, kramdown ``{: .class}``, and anything in code or math.

    Bad:

        [Show image of the
        scaling curves]

        RLHF needs a reward model {maybe talk about Bradley-Terry}.

    Good:

        ![Loss against compute for each model size](/assets/scaling.png)

        RLHF needs a reward model, fitted with the Bradley-Terry loss.
    """
    pdata = ctx.data.derived(("placeholders", ()), lambda: load_data(ctx.data))
    for group in classify_groups(doc, pdata):
        if group.kind == INSTRUCTION:
            yield Hit(
                group.start,
                group.end,
                f"instruction to the author left in the draft: {_quote(group.text)}; "
                "do what it says, then remove it",
            )


@rule("BT104", "empty-brackets", "error", fix="unsafe")
def empty_brackets(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Empty brackets glued to a word: a citation or link that was never filled in.

    ``vLLM[]`` renders as the literal text "vLLM[]"; ``vLLM[](https://...)`` is a link
    with no text, invisible to the reader. Task-list boxes (``- [ ]``), a spaced
    ``[]`` in a sentence about empty lists, code, math and URLs are left alone.

    Bad:

        Serving with vLLM[] is fast.

    Good:

        Serving with [vLLM](https://arxiv.org/abs/2309.06180) is fast.
    """
    links = {link.start for link in doc.links if not link.is_image}
    prose = doc.prose_text
    for m in _EMPTY.finditer(prose):
        start = m.start()
        if in_url(doc, start):
            continue
        word = prose[max(0, start - 40) : start].split()[-1]
        if start in links:
            message = (
                f'link with empty text after "{word}": it cannot be seen or clicked; '
                "put the words to click inside the brackets"
            )
        else:
            message = (
                f'empty brackets after "{word}": add the citation or link, or remove them '
                "(wrap code in backticks)"
            )
        fix = None if start in links else remove_brackets(doc.text, start, m.end())
        yield Hit(start, m.end(), message, fix)
