"""arXiv identifiers: every pasted form, every reason to reject, and the mention finder."""

from __future__ import annotations

import pytest

from blogtool.arxiv_id import (
    OLD_STYLE_ARCHIVES,
    ArxivId,
    ArxivReference,
    InvalidArxivId,
    find_arxiv_references,
    parse_arxiv_id,
)

# --- accepted forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "base", "version"),
    [
        ("2305.18290", "2305.18290", None),
        ("2305.18290v2", "2305.18290", 2),
        ("arXiv:2305.18290", "2305.18290", None),
        ("arxiv:2305.18290v1", "2305.18290", 1),
        ("ARXIV:2305.18290", "2305.18290", None),
        ("arXiv: 2305.18290", "2305.18290", None),
        ("  2305.18290\n", "2305.18290", None),
        ("<https://arxiv.org/abs/2305.18290>", "2305.18290", None),
        ("https://arxiv.org/abs/2305.18290", "2305.18290", None),
        ("http://arxiv.org/abs/2305.18290v2", "2305.18290", 2),
        ("https://arxiv.org/abs/2305.18290/", "2305.18290", None),
        ("https://arxiv.org/abs/2305.18290?context=cs.LG", "2305.18290", None),
        ("https://arxiv.org/abs/2305.18290v3#S2", "2305.18290", 3),
        ("https://arxiv.org/pdf/2305.18290.pdf", "2305.18290", None),
        ("https://arxiv.org/pdf/2305.18290v3", "2305.18290", 3),
        ("https://arxiv.org/pdf/2305.18290v3.pdf", "2305.18290", 3),
        ("https://arxiv.org/html/2305.18290v2", "2305.18290", 2),
        ("https://export.arxiv.org/abs/2305.18290", "2305.18290", None),
        ("export.arxiv.org/abs/2305.18290", "2305.18290", None),
        ("https://www.arxiv.org/abs/2305.18290", "2305.18290", None),
        ("www.arxiv.org/abs/2305.18290", "2305.18290", None),
        ("arxiv.org/abs/2305.18290", "2305.18290", None),
        ("HTTPS://ArXiv.org/ABS/2305.18290", "2305.18290", None),
        ("0704.0001", "0704.0001", None),
        ("1412.9999", "1412.9999", None),
        ("1501.00001", "1501.00001", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9108001", "hep-th/9108001", None),
        ("astro-ph/0703999v2", "astro-ph/0703999", 2),
        ("cs/0112017v1", "cs/0112017", 1),
        ("math.GT/0309136", "math/0309136", None),
        ("physics.acc-ph/0601001", "physics/0601001", None),
        ("arXiv:hep-th/9901001", "hep-th/9901001", None),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
        ("https://arxiv.org/pdf/cond-mat/0102536v1.pdf", "cond-mat/0102536", 1),
        ("HEP-TH/9901001", "hep-th/9901001", None),
    ],
)
def test_accepted_forms(text: str, base: str, version: int | None) -> None:
    arxiv_id = parse_arxiv_id(text)
    assert (arxiv_id.base, arxiv_id.version) == (base, version)


def test_new_style_fields() -> None:
    arxiv_id = parse_arxiv_id("arXiv:2305.18290v2")
    assert arxiv_id == ArxivId(
        base="2305.18290", version=2, yymm="2305", year=2023, month=5, number="18290"
    )
    assert not arxiv_id.is_old_style
    assert str(arxiv_id) == "2305.18290v2"
    assert arxiv_id.abs_url == "https://arxiv.org/abs/2305.18290v2"
    assert arxiv_id.pdf_url == "https://arxiv.org/pdf/2305.18290v2"
    assert arxiv_id.without_version() == parse_arxiv_id("2305.18290")
    assert arxiv_id.without_version().abs_url == "https://arxiv.org/abs/2305.18290"


def test_old_style_fields() -> None:
    arxiv_id = parse_arxiv_id("math.GT/0309136v1")
    assert arxiv_id.is_old_style
    assert (arxiv_id.archive, arxiv_id.subject_class) == ("math", "GT")
    assert (arxiv_id.yymm, arxiv_id.year, arxiv_id.month, arxiv_id.number) == (
        "0309",
        2003,
        9,
        "136",
    )
    assert str(arxiv_id) == "math/0309136v1"
    assert arxiv_id.abs_url == "https://arxiv.org/abs/math/0309136v1"
    assert parse_arxiv_id("hep-th/9901001").year == 1999


def test_ids_are_hashable_and_compare_by_value() -> None:
    assert parse_arxiv_id("arXiv:2305.18290") == parse_arxiv_id("https://arxiv.org/abs/2305.18290")
    assert len({parse_arxiv_id("2305.18290"), parse_arxiv_id("2305.18290v1")}) == 2


def test_sort_key_orders_by_month_number_and_version() -> None:
    texts = [
        "2305.18290v2",
        "1706.03762",
        "hep-th/9901001",
        "2305.18290",
        "2305.00001",
        "cs/0112017",
        "2305.18290v1",
        "1501.00001",
    ]
    ordered = sorted((parse_arxiv_id(t) for t in texts), key=ArxivId.sort_key)
    assert [str(i) for i in ordered] == [
        "hep-th/9901001",
        "cs/0112017",
        "1501.00001",
        "1706.03762",
        "2305.00001",
        "2305.18290",
        "2305.18290v1",
        "2305.18290v2",
    ]


def test_archive_list_is_data_with_the_legacy_archives() -> None:
    assert {"hep-th", "math", "cs", "cond-mat", "q-bio", "solv-int"} <= OLD_STYLE_ARCHIVES
    # These started after the 2007 scheme change, so never had old-style IDs.
    assert not {"stat", "q-fin", "eess", "econ"} & OLD_STYLE_ARCHIVES


# --- rejected forms, each with its reason ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2001.083613",
            "too many digits after the dot (6; new-style IDs have 4 digits before 1501 "
            "and 5 from 1501, so 2001 needs 5)",
        ),
        ("1412.12345", "too many digits after the dot (5; "),
        ("2305.1829", "too few digits after the dot (4; "),
        ("0801.123", "too few digits after the dot (3; "),
        ("2313.12345", "month 13 is not 01-12"),
        ("2300.12345", "month 00 is not 01-12"),
        ("0612.1234", "0612 is before 0704: new-style IDs start in April 2007"),
        ("23050.18290", "expected 4 digits (YYMM) before the dot, found 5"),
        ("2305.00000", "paper number 00000 does not exist"),
        ("2305.18290v0", "version v0 is not valid"),
        ("2305.18290v01", "version v01 is not valid"),
        ("hep-th/99010011", "old-style IDs have 7 digits after the slash (YYMMNNN), found 8"),
        ("hep-th/9913001", "month 13 is not 01-12"),
        ("hep-th/9107001", "9107 is outside 9108-0703"),
        ("hep-th/0704001", "0704 is outside 9108-0703"),
        ("hep-th/9901000", "paper number 000 does not exist"),
        ("stat/0601001", "'stat' is not an arXiv archive with old-style IDs"),
        ("hep-thx/9901001", "'hep-thx' is not an arXiv archive"),
        ("https://arxiv.org/list/cs.LG/recent", "arxiv.org/list/ is not an abstract"),
        ("attention is all you need", "is not an arXiv ID"),
        ("2305.18290v", "is not an arXiv ID"),
        ("arXiv:", "no arXiv ID after 'arXiv:'"),
        ("https://arxiv.org/abs/", "no arXiv ID after"),
        ("https://example.org/abs/2305.18290", "is not an arXiv ID"),
        ("", "empty arXiv ID"),
        ("   ", "empty arXiv ID"),
    ],
)
def test_rejected_with_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidArxivId) as caught:
        parse_arxiv_id(text)
    assert message in str(caught.value)


def test_invalid_id_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_arxiv_id("2313.12345")


# --- finding mentions ----------------------------------------------------------------------


def found(text: str) -> list[str]:
    return [ref.raw for ref in find_arxiv_references(text)]


def test_finder_offsets_cover_the_id_only() -> None:
    text = "As shown in arXiv:2305.18290v2, and in https://arxiv.org/pdf/1706.03762.pdf."
    refs = find_arxiv_references(text)
    assert refs == [
        ArxivReference(18, 30, "2305.18290v2"),
        ArxivReference(61, 71, "1706.03762"),
    ]
    for start, end, raw in refs:
        assert text[start:end] == raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See arXiv:2305.18290.", ["2305.18290"]),
        ("(arXiv:2305.18290)", ["2305.18290"]),
        ("[paper](https://arxiv.org/abs/2305.18290v3)", ["2305.18290v3"]),
        ("<http://export.arxiv.org/abs/2305.18290>", ["2305.18290"]),
        ("www.arxiv.org/abs/2305.18290?context=cs", ["2305.18290"]),
        ("arxiv.org/html/2305.18290v1#S3", ["2305.18290v1"]),
        ("ArXiv:1706.03762, arxiv:1501.00001", ["1706.03762", "1501.00001"]),
        ("arXiv: 2305.18290", ["2305.18290"]),
        (
            "arXiv:hep-th/9901001 and arXiv:math.GT/0309136v1",
            ["hep-th/9901001", "math.GT/0309136v1"],
        ),
        ("https://arxiv.org/pdf/cond-mat/0102536v1.pdf", ["cond-mat/0102536v1"]),
        # Candidates that do not parse are reported too, so a lint rule can flag them.
        ("cited as arXiv:2001.083613 here", ["2001.083613"]),
        ("arXiv:2313.12345", ["2313.12345"]),
        ("arXiv:2305.18290abc", ["2305.18290abc"]),
        ("https://arxiv.org/abs/2305", ["2305"]),
        # Not mentions.
        ("arXiv: the preprint server", []),
        ("the 2305.18290 number alone", []),
        ("myarXiv:2305.18290", []),
        ("https://notarxiv.org/abs/2305.18290", []),
        ("https://arxiv.org/list/cs.LG/recent", []),
        ("https://arxiv.org/abs/", []),
        ("", []),
    ],
)
def test_finder(text: str, expected: list[str]) -> None:
    assert found(text) == expected


def test_every_found_valid_id_parses_to_its_mention() -> None:
    text = "arXiv:2305.18290v2; https://arxiv.org/pdf/hep-th/9901001.pdf; arxiv.org/abs/1706.03762."
    assert [str(parse_arxiv_id(raw)) for raw in found(text)] == [
        "2305.18290v2",
        "hep-th/9901001",
        "1706.03762",
    ]


def test_finder_survives_adversarial_input() -> None:
    # Inputs that make backtracking regexes blow up; these must finish at once.
    long_digits = "arXiv:" + "1" * 200_000 + "!"
    assert found(long_digits) == ["1" * 200_000]
    long_archive = "arXiv:" + "a-" * 100_000
    assert found(long_archive) == []
    many_prefixes = "arXiv:" * 50_000
    assert found(many_prefixes) == []
    dotted = "arxiv.org/abs/" + "1." * 100_000
    assert found(dotted) == ["1." * 99_999 + "1"]
