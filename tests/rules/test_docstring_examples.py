"""Each rule's Bad and Good examples, as ``blogtool rules ID`` prints them, do what they say.

A rule's docstring is its documentation: a Bad example the rule leaves alone, or a Good
example it flags, teaches the reader the opposite of what the rule does. So every
example block is linted with only its rule selected: the Bad one must be reported at
least once, the Good one never.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from blogtool.config import FLAVORS, Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import Rule, load_registry

REGISTRY = load_registry(entry_points=False)

# These need answers from the network or files on disk, which lint_text does not gather;
# their fixtures and tests/net cover them.
NEEDS_IO = {"BT701", "BT702", "BT704"}

# "Bad:" or "Good (kramdown):" alone on a line; text after the colon is a prose example.
LABEL = re.compile(r"^(Bad|Good)(?: \((?P<flavor>[^)]*)\))?:(?P<rest>.*)$")


@dataclass(frozen=True)
class Example:
    kind: str  # "Bad" or "Good"
    text: str  # the indented block, dedented ("" when the label has none)
    flavor: str | None


def examples(doc: str) -> list[Example]:
    """The Bad/Good blocks of a docstring: the lines indented under each label."""
    lines = doc.splitlines()
    found: list[Example] = []
    for i, line in enumerate(lines):
        label = LABEL.match(line)
        if not label:
            continue
        block: list[str] = []
        for below in lines[i + 1 :]:
            if below.strip() and not below.startswith("    "):
                break
            block.append(below[4:])
        text = "\n".join(block).strip("\n")
        if label["rest"].strip():  # "Good: delete the comment": prose, not an example
            text = ""
        flavor = label["flavor"]
        assert flavor is None or flavor in FLAVORS, f"unknown flavor in {line!r}"
        found.append(Example(label[1], text + "\n" if text else "", flavor))
    return found


def lint(r: Rule, example: Example, flavor: str | None) -> list[str]:
    plan = make_plan(Config(), select=[r.id], registry=REGISTRY, flavor=flavor)
    result = lint_text(example.text, "example.md", plan)
    assert not result.notices, result.notices  # a missing backend must not pass as clean
    return [f"{v.line}:{v.col} {v.rule_id} {v.message}" for v in result.violations]


RULES = [r for r in REGISTRY if r.id != "BT000"]


@pytest.mark.parametrize("r", RULES, ids=[r.id for r in RULES])
def test_bad_example_is_reported_and_good_example_is_not(r: Rule) -> None:
    if r.id in NEEDS_IO:
        pytest.skip("needs link answers or local files, which lint_text does not gather")
    found = examples(r.doc)
    bad = [e for e in found if e.kind == "Bad"]
    good = [e for e in found if e.kind == "Good"]
    assert bad and all(e.text for e in bad), f"{r.id}: no Markdown Bad example"
    assert good and all(e.text for e in good), f"{r.id}: no Markdown Good example"
    # A flavor named on one label is the setting of all the rule's examples.
    flavors = {e.flavor for e in found if e.flavor}
    assert len(flavors) <= 1, f"{r.id}: examples name several flavors"
    flavor = next(iter(flavors), None)
    for e in bad:
        assert any(f" {r.id} " in v for v in lint(r, e, flavor)), f"{r.id} Bad:\n{e.text}"
    for e in good:
        assert lint(r, e, flavor) == [], f"{r.id} Good:\n{e.text}"


def test_examples_reads_blocks_labels_and_prose() -> None:
    doc = (
        "Summary.\n\nBad (kramdown):\n\n    one\n\n    two\n\nGood: delete it.\n\n"
        "Good:\n\n    three\nAfter.\n"
    )
    assert examples(doc) == [
        Example("Bad", "one\n\ntwo\n", "kramdown"),
        Example("Good", "", None),
        Example("Good", "three\n", None),
    ]
