"""Link rules that depend on the world outside the draft: dead and moved URLs, missing files.

BT701, BT702 and BT704 need I/O: HTTP requests and the file system. Rules never do I/O, so
``blogtool lint --check-links`` (and ``blogtool links``) gathers the answers first with
:mod:`blogtool.linkscan` and :mod:`blogtool.net.linkcheck` and hands them to these rules as
``ctx.links`` (a :class:`~blogtool.linkscan.LinkFindings`). They are ``network`` rules: the
engine runs them only when link checking was asked for, and without findings they find nothing.

BT703 (broken anchor) is an ordinary rule that runs on every lint: whether ``#fragment`` names
a heading of the same draft is a pure question about the Document, as cheap as BT203's
undefined references, and it needs neither the network nor ``--check-links``, so it works
offline too.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..document import Document
from ..linkscan import (
    DEAD_LINK,
    PERMANENT_REDIRECT,
    LinkFindings,
    anchor_checks,
    remote_links,
    remote_problem,
)
from ..registry import Hit, RuleContext, rule
from ._fixes import new_address


def _remote_hits(doc: Document, ctx: RuleContext, rule_id: str) -> Iterator[Hit]:
    findings = ctx.links
    if not isinstance(findings, LinkFindings):
        return
    for url, link in remote_links(doc):
        result = findings.remote.get(url)
        problem = remote_problem(url, result) if result is not None else None
        if problem is not None and problem[0] == rule_id:
            moved = result.moved_to if rule_id == PERMANENT_REDIRECT else None
            fix = new_address(doc, link, url, moved) if moved else None
            yield Hit(link.start, link.end, problem[1], fix)


@rule("BT701", "dead-link", "error", network=True)
def dead_link(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A link or image whose URL does not answer: a reader clicking it gets an error page.

    Flags URLs that answered with a client error (404 Not Found, 410 Gone), a server error,
    no answer in time, a refused connection, an unknown host or a redirect loop. Runs with
    ``blogtool lint --check-links`` (or ``links.check_in_lint = true``) and in
    ``blogtool links``. Links that could not be checked because there is no network are not
    flagged: they are counted in one "not checked (offline)" line. Skip URLs that block
    checkers with ``links.exclude``; accept more status codes with ``links.accept``.

    Bad:

        The code is [on GitHub](https://github.com/example/removed-repo).

    Good:

        The code is [on GitHub](https://github.com/eric-mitchell/direct-preference-optimization).
    """
    yield from _remote_hits(doc, ctx, DEAD_LINK)


@rule("BT702", "permanent-redirect", "warning", network=True, fix="safe")
def permanent_redirect(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A URL that has moved permanently (HTTP 301 or 308): link the new address instead.

    The old address works today, through a redirect the site may drop one day. The message
    names the new URL. Temporary redirects (302, 303, 307) are left alone.

    Bad:

        [the paper](http://arxiv.org/abs/1706.03762)

    Good:

        [the paper](https://arxiv.org/abs/1706.03762)
    """
    yield from _remote_hits(doc, ctx, PERMANENT_REDIRECT)


@rule("BT703", "broken-anchor", "error")
def broken_anchor(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A ``#fragment`` link that names no heading or anchor of the same draft.

    Headings get ids as GitHub and jekyll (kramdown) make them: lower case, punctuation
    dropped, spaces turned into ``-``, repeated titles suffixed ``-1``, ``-2``. Explicit
    anchors count too: ``<a id="x">``, ``<a name="x">``, any tag's ``id``, and kramdown's
    ``{#x}``. ``#`` and ``#top`` always work. The message suggests the closest id.

    Bad:

        See [the results](#reslts).

        ## Results

    Good:

        See [the results](#results).

        ## Results
    """
    for check in anchor_checks(doc):
        if check.problem:
            yield Hit(check.start, check.end, check.problem)


@rule("BT704", "missing-local-file", "error", network=True)
def missing_local_file(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A link or image pointing at a local file that does not exist.

    Relative paths are resolved against the draft's directory; site-absolute paths such as
    ``/assets/images/x.png`` against ``links.site_root`` (default: the project directory,
    where such a link is checked only if its first folder, ``assets/``, exists). Page
    addresses a site generator builds (``/about/``, ``/2024/01/post.html``) are not checked.
    File names must match in case, as they must on the web server. Runs with
    ``blogtool lint --check-links`` and in ``blogtool links`` (also with ``--offline``).

    Bad:

        ![The architecture](images/achitecture.png)

    Good:

        ![The architecture](images/architecture.png)
    """
    findings = ctx.links
    if not isinstance(findings, LinkFindings):
        return
    for check in findings.missing_files.get(doc.path, ()):
        yield Hit(check.start, check.end, check.problem)
