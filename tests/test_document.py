"""The parsed Document: regions, positions, sections and the repairs of swallowing blocks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.common.normalize_url import normalizeLink

from blogtool.document import PLAIN_HTTP_URL, Document, github_slug


def region_at(doc: Document, needle: str) -> str:
    return doc.kind_at(doc.text.index(needle))


def test_inline_regions_have_exact_columns() -> None:
    src = "Intro line\n\nSome *prose* with `code [X]` and $x^2$ and [here]() done.\n"
    doc = Document.from_text(src, "d.md")
    assert region_at(doc, "`code") == "code_inline"
    assert region_at(doc, "$x^2$") == "math_inline"
    (link,) = doc.links
    assert doc.position(link.start) == (3, 44)
    assert link.target == "" and link.text == "here"
    (math,) = doc.math
    assert (math.content, doc.position(math.start)) == ("x^2", (3, 34))


def test_positions_inside_blockquotes_and_tables() -> None:
    src = "> quote line\n> and $y$ more\n\n| a | b `c` |\n|---|---|\n| $z$ | w |\n"
    doc = Document.from_text(src)
    spans = {m.content: doc.position(m.start) for m in doc.math}
    assert spans == {"y": (2, 7), "z": (6, 3)}
    assert doc.position(doc.text.index("`c`")) == (4, 9)
    assert region_at(doc, "`c`") == "code_inline"
    assert doc.quote_lines == {1, 2}


def test_prose_text_keeps_offsets_and_blanks_non_prose() -> None:
    src = "Text `code` $m$ [a](http://x.y/z) <b>bold</b> <!-- c -->\n```\nfenced\n```\n"
    doc = Document.from_text(src)
    prose = doc.prose_text
    assert len(prose) == len(doc.text)
    assert "code" not in prose and "fenced" not in prose and "http" not in prose
    assert "<b>" not in prose and "bold" in prose and "[a]" in prose
    assert prose.count("\n") == doc.text.count("\n")


def test_unclosed_fence_does_not_swallow_the_rest() -> None:
    src = "a\n\n```python\nx = 1\n\n## Later heading\n\nText $y$\n"
    doc = Document.from_text(src)
    assert [p.kind for p in doc.problems] == ["unclosed_fence"]
    assert doc.position(doc.problems[0].start) == (3, 1)
    assert [s.title for s in doc.sections] == ["Later heading"]
    assert [m.content for m in doc.math] == ["y"]


def test_unclosed_comment_does_not_swallow_the_rest() -> None:
    src = "intro\n\n<!-- a note\n\n## After\n\nbody\n"
    doc = Document.from_text(src)
    assert [p.kind for p in doc.problems] == ["unclosed_comment"]
    assert [s.title for s in doc.sections] == ["After"]


def test_commented_out_post_is_linted_with_real_lines() -> None:
    src = "---\ntitle: t\n---\n\n<!--\n# Title\n\nbody $x$\n-->\n"
    doc = Document.from_text(src)
    assert [p.kind for p in doc.problems] == ["commented_out"]
    assert [(s.title, s.line) for s in doc.sections] == [("Title", 6)]
    assert doc.position(doc.math[0].start) == (8, 6)


def test_unclosed_display_math_stays_in_prose() -> None:
    src = "text\n\n$$\na + b\n\nmore $c$\n"
    doc = Document.from_text(src)
    assert "$$" in doc.prose_text
    assert [m.content for m in doc.math] == ["c"]


def test_sections_tree_and_slugs() -> None:
    src = (
        "# Post\n\n## 2017\n\n### Attention Is All You Need\n\ntext\n\n"
        "## 2018\n\n### BERT\n\n### BERT\n"
    )
    doc = Document.from_text(src)
    post, y17, att, y18, bert1, bert2 = doc.sections
    assert y17.parent is post and att.parent is y17 and bert2.parent is y18
    assert (y17.line, y17.end_line) == (3, 8)
    assert att.slug == "attention-is-all-you-need"
    assert (bert1.slug, bert2.slug) == ("bert", "bert-1")
    assert doc.section_at(7) is att


def test_github_slug() -> None:
    assert github_slug("GPT-4o: What's New?") == "gpt-4o-whats-new"


def test_bom_crlf_and_nul_are_normalised() -> None:
    doc = Document.from_text("\ufeff# T\r\n\r\ntext\x00 $x$\r\n")
    assert doc.text == "# T\n\ntext\ufffd $x$\n"
    assert doc.position(doc.math[0].start) == (3, 7)


def test_reference_links_and_definitions() -> None:
    src = "See [the post][al] and [CLS].\n\n[al]: https://example.org/post\n"
    doc = Document.from_text(src)
    (link,) = doc.links
    assert (link.kind, link.label, link.target) == ("reference", "al", "https://example.org/post")
    assert "example.org" not in doc.prose_text
    assert "[CLS]" in doc.prose_text


def test_bare_urls_are_links_and_not_prose() -> None:
    doc = Document.from_text("Read https://example.com/a_b. Then <https://x.org>.\n")
    kinds = [(link.kind, link.target) for link in doc.links]
    assert kinds == [("bare", "https://example.com/a_b"), ("autolink", "https://x.org")]
    assert "example" not in doc.prose_text


def test_pathological_inputs_finish() -> None:
    for src in [
        "[" * 10000,
        "$" * 10000,
        "x" * 1_000_000,
        "> " * 100 + "x",
        "- " * 100 + "x",
        "{" * 5000 + "}" * 5000,
        "<!--" * 1000,
    ]:
        doc = Document.from_text(src)
        assert len(doc.prose_text) == len(doc.text)


def test_unclosed_display_math_does_not_swallow_headings() -> None:
    src = (
        "## 2020\n\n$$\nx = 1\n\nText.\n\n## 2022\n\n### P\n\n"
        "[paper](https://arxiv.org/abs/2203.15556)\n\n$$\ny\n$$\n"
    )
    doc = Document.from_text(src)
    assert [s.title for s in doc.sections] == ["2020", "2022", "P"]
    assert [(m.content.strip(), doc.position(m.start)[0]) for m in doc.math] == [("y", 14)]


def test_url_as_link_text_is_one_link() -> None:
    doc = Document.from_text("See [https://a.com/x](https://a.com/x).\n")
    assert [link.kind for link in doc.links] == ["inline"]
    assert "a.com" not in doc.prose_text


def test_footnotes_and_amsmath_and_quoted_display_math() -> None:
    doc = Document.from_text("Text[^1] here.\n\n[^1]: The note.\n")
    assert doc.footnotes == {"1"}
    doc = Document.from_text("\\begin{align}\na &= b\n\\end{align}\n\nText.\n")
    (span,) = doc.math
    assert span.content.endswith("\\end{align}")
    assert "end" not in doc.prose_text
    doc = Document.from_text("> $$\n> a^2\n> $$\n")
    (span,) = doc.math
    assert span.content.strip() == "a^2"
    assert doc.position(span.content_start) == (1, 5)


def test_repaired_markers_are_not_prose() -> None:
    doc = Document.from_text("<!--\n# T\n\nBody.\n-->\n")
    assert "<!--" not in doc.prose_text and "-->" not in doc.prose_text
    doc = Document.from_text("Text.\n\n```python\nx = 1\n")
    assert "python" not in doc.prose_text


def test_bare_url_keeps_empty_brackets_in_its_query() -> None:
    doc = Document.from_text("See https://example.com/api?ids[]=1&x=2 now.\n")
    assert [link.target for link in doc.links] == ["https://example.com/api?ids[]=1&x=2"]


def test_jekyll_liquid_is_not_prose_and_highlight_blocks_are_code() -> None:
    src = (
        "Intro ![img]({{ '/assets/a.png' | relative_url }}) and {% include toc.html %}.\n\n"
        "{% highlight python linenos %}\n# Split into groups\nx = '$a$'\n"
        "{% endhighlight %}\n\n## Real heading\n\nText $y$.\n"
    )
    doc = Document.from_text(src)
    assert "relative_url" not in doc.prose_text and "include" not in doc.prose_text
    assert [s.title for s in doc.sections] == ["Real heading"]
    assert [m.content for m in doc.math] == ["y"]
    assert doc.kind_at(doc.text.index("Split")) == "code_fence"


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(st.from_regex(PLAIN_HTTP_URL, fullmatch=True))
def test_urls_taken_as_they_are_are_what_markdown_it_would_make_of_them(url: str) -> None:
    assert normalizeLink(url) == url


def test_link_targets_are_normalized_as_markdown_it_does() -> None:
    text = (
        "[a](https://arxiv.org/abs/2305.18290v2#page=3) [b](https://b\u00fccher.example/x)\n"
        "[c](<https://x.org/a b>) [d](https://x.org/[1]) [e](HTTPS://X.ORG/%7Euser)\n"
    )
    hrefs = [link.target for link in Document.from_text(text).links]
    assert hrefs == [
        "https://arxiv.org/abs/2305.18290v2#page=3",
        "https://xn--bcher-kva.example/x",
        "https://x.org/a%20b",
        "https://x.org/%5B1%5D",
        "HTTPS://X.ORG/%7Euser",
    ]


def test_backslash_delimited_math_is_math_with_escapes_resolved() -> None:
    text = (
        "Loss \\\\( \\mathcal{L} = \\\\{ x_i \\\\} \\\\) and \\( \\alpha \\) here.\n\n"
        "\\\\[\n\\mathbf{W}\n\\\\]\n\n"
        "See \\[citation needed\\] and \\[ x^2 \\]. An open \\\\( never closes.\n"
    )
    doc = Document.from_text(text)
    spans = [(m.display, text[m.start : m.end], m.content) for m in doc.math]
    assert spans == [
        (False, "\\\\( \\mathcal{L} = \\\\{ x_i \\\\} \\\\)", " \\mathcal{L} =  \\{ x_i  \\} "),
        (False, "\\( \\alpha \\)", " \\alpha "),
        (True, "\\\\[\n\\mathbf{W}\n\\\\]", "\n\\mathbf{W}\n"),
        (True, "\\[ x^2 \\]", " x^2 "),
    ]
    prose = doc.prose_text
    assert "mathcal" not in prose and "alpha" not in prose and "mathbf" not in prose
    assert "citation needed" in prose and "never closes" in prose


def test_footnote_labels_and_entities_are_not_prose() -> None:
    text = "A claim[^songermon] &mdash; and &#8212; [^nolabel] too.\n\n[^songermon]: The note.\n"
    prose = Document.from_text(text).prose_text
    assert "songermon" not in prose and "mdash" not in prose and "8212" not in prose
    assert "[^nolabel]" in prose and "The note." in prose


def test_front_matter_fields_are_its_top_level_lines() -> None:
    src = (
        "---\n"
        'title: "Scaling, revisited"  # quoted\n'
        "draft: true  # not yet\n"
        "tags:\n"
        "  - name: nested\n"
        "title: second\n"
        "empty:\n"
        "---\n"
        "Text.\n"
    )
    doc = Document.from_text(src)
    matter = doc.front_matter
    assert matter is not None
    assert doc.text[matter.start : matter.end] == src[: src.index("---\nText")] + "---"
    assert matter.fields == {
        "title": "Scaling, revisited",
        "draft": "true",
        "tags": "",
        "empty": "",
    }
    start, end = matter.spans["title"]
    assert doc.text[start:end] == '"Scaling, revisited"'
    start, end = matter.spans["draft"]
    assert doc.text[start:end] == "true"


def test_no_front_matter_below_line_one() -> None:
    assert Document.from_text("\n---\ntitle: A\n---\n").front_matter is None


def test_sections_know_where_the_heading_and_the_body_end() -> None:
    src = "# Title *one*\nIntro.\n\nSetext\n------\nBody.\n\n### Child\nMore.\n"
    doc = Document.from_text(src)
    title, setext, child = doc.sections
    assert title.raw_title == "Title *one*"
    assert doc.text[title.start : title.heading_end] == "# Title *one*"
    assert doc.text[title.body_start :].startswith("Intro.")
    assert doc.text[setext.start : setext.heading_end] == "Setext\n------"
    assert doc.text[setext.body_start : setext.body_end] == "Body.\n\n"
    assert setext.body_end == child.start and child.body_end == child.end == len(doc.text)


def test_top_level_blocks_in_order() -> None:
    src = (
        "Para.\n\n---\n\n| a |\n|---|\n| 1 |\n\n![x](x.png)\n\n- item\n\n"
        '<div>\n<img src="a.png">\n</div>\n\n> quote\n'
    )
    doc = Document.from_text(src)
    kinds = [(b.kind, b.line, b.end_line) for b in doc.blocks]
    assert kinds == [
        ("paragraph", 1, 1),
        ("hr", 3, 3),
        ("table", 5, 7),
        ("paragraph", 9, 9),
        ("bullet_list", 11, 12),  # a list keeps the blank line after it
        ("html_block", 13, 15),
        ("blockquote", 17, 17),
    ]
    hr = doc.blocks[1]
    assert doc.text[hr.start : hr.end] == "---\n"
    assert [b.only_images for b in doc.blocks if b.kind == "paragraph"] == [False, True]
    assert '<img src="a.png">' in doc.blocks[5].content
    assert doc.html_block_lines == {13, 14, 15}
