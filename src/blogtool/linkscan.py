"""The links of drafts: which ones need the network, and the checks that do not.

Every link of a :class:`~blogtool.document.Document` falls in one of four kinds (see
:func:`classify`):

* ``remote``: an ``http(s)`` URL (also ``www.example.com`` and ``//host/path``), checked by
  :mod:`blogtool.net.linkcheck`. :func:`collect_remote` gathers them from many drafts into one
  entry per unique URL with every place it occurs, so a run sends one request per URL.
* ``anchor``: ``#fragment``, which must name a heading or an explicit anchor of the same draft
  (:func:`anchor_checks`, pure).
* ``file``: a relative path (resolved against the draft's directory) or a site-absolute path
  such as ``/assets/images/x.png`` (resolved against the site root), which must exist
  (:func:`file_checks`, reads the file system).
* ``skip``: ``mailto:``, ``tel:`` and every other scheme, Liquid templates (``{{ ... }}``)
  and empty targets (BT201/BT204 report those).

The results of the checks that need I/O are bundled in :class:`LinkFindings`, which the lint
engine hands to the link rules (:mod:`blogtool.rules.deadlinks`): rules stay pure, the I/O
happens here and in the CLI. Nothing here prints.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .document import HTML_RAW, HTML_TAG, Document, Link

if TYPE_CHECKING:
    from .net.linkcheck import LinkResult

DEAD_LINK = "BT701"
PERMANENT_REDIRECT = "BT702"
BROKEN_ANCHOR = "BT703"
MISSING_FILE = "BT704"

_REMOTE_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# id="x", id='x', id=x and the old name="x" of <a name>, inside any HTML tag.
_HTML_ID = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
# kramdown attribute lists: {#id}, {: #id .class}, as jekyll renders them.
_ATTRIBUTE_LIST = re.compile(r"\{:?[ \t]*(?:[.\w-]+[ \t]+)*#([\w:-]+)[^{}\n]*\}")
# Pages a site generator builds from other files: /blog/post/, /about, /2024/01/post.html.
_PAGE_SUFFIXES = ("", ".html", ".htm")
# Fragments every browser understands without a matching id: "#" and "#top" scroll to the top.
_ALWAYS_THERE = frozenset({"", "top"})


@dataclass(frozen=True)
class Target:
    """What a link target points at. ``location`` is the URL to request (``remote``), the
    decoded fragment (``anchor``) or the decoded path (``file``)."""

    kind: str  # "remote", "anchor", "file" or "skip"
    location: str = ""


def classify(target: str) -> Target:
    """The kind of a link target as markdown-it resolved it (see the module docstring)."""
    target = target.strip()
    if not target:
        return Target("skip")
    decoded = unquote(target)
    if "{{" in decoded or "{%" in decoded:
        return Target("skip")  # a Liquid template: only the site generator knows the value
    if target.startswith("#"):
        return Target("anchor", unquote(target[1:]))
    if target.startswith("//"):
        return Target("remote", "https:" + target)
    if target.lower().startswith("www."):
        return Target("remote", "http://" + target)  # what GitHub links a bare www. to
    if _SCHEME.match(target):
        scheme = target.split(":", 1)[0].lower()
        return Target("remote", target) if scheme in _REMOTE_SCHEMES else Target("skip")
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return Target("skip")  # "?query" alone: the same page
    return Target("file", unquote(path))


def remote_links(doc: Document) -> Iterator[tuple[str, Link]]:
    """Each link of ``doc`` that needs the network, with the URL to check."""
    for link in doc.links:
        target = classify(link.target)
        if target.kind == "remote":
            yield target.location, link


@dataclass(frozen=True)
class Occurrence:
    """Where a link is written: 1-based line and column of its first character."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


def occurrence(doc: Document, link: Link) -> Occurrence:
    line, column = doc.position(link.start)
    return Occurrence(doc.path, line, column)


def collect_remote(docs: Iterable[Document]) -> dict[str, list[Occurrence]]:
    """Every remote URL of the drafts, once, with each place it occurs (in reading order)."""
    found: dict[str, list[Occurrence]] = {}
    for doc in docs:
        for url, link in remote_links(doc):
            found.setdefault(url, []).append(occurrence(doc, link))
    return found


# ---------------------------------------------------------------------- local checks


@dataclass(frozen=True)
class LocalCheck:
    """One anchor or local-file link of the draft ``path`` and what was found.

    ``problem`` is empty when the link is fine. ``key`` identifies what was checked, so links
    to the same thing can be grouped: the draft and fragment for an anchor, the resolved path
    for a file. ``start`` and ``end`` are offsets of the link in the draft's text.
    """

    kind: str  # "anchor" or "file"
    path: str
    target: str  # as written in the draft
    key: str
    start: int
    end: int
    problem: str = ""

    @property
    def rule_id(self) -> str:
        return BROKEN_ANCHOR if self.kind == "anchor" else MISSING_FILE


def kramdown_slug(title: str) -> str:
    """The id kramdown (jekyll's default converter) gives a heading, before de-duplication."""
    slug = re.sub(r"^[^a-zA-Z]+", "", title)
    slug = re.sub(r"[^a-zA-Z0-9 -]", "", slug)
    return slug.replace(" ", "-").lower() or "section"


def anchors(doc: Document) -> frozenset[str]:
    """Every fragment that leads somewhere in ``doc``.

    Heading ids as GitHub makes them (``doc.sections``' slugs) and as kramdown makes them,
    each with its ``-1``, ``-2`` suffixes for repeated titles; ``id``/``name`` attributes of
    HTML tags (``<a id="x">``, ``<a name="x">``, ``<div id="x">``); kramdown attribute lists
    (``{#x}``, ``{: #x}``); kramdown's footnote ids (``fn:label``, ``fnref:label``).
    """
    found = set(_ALWAYS_THERE)
    seen: dict[str, int] = {}
    for section in doc.sections:
        found.add(section.slug)
        base = kramdown_slug(section.title)
        count = seen.get(base)
        seen[base] = 0 if count is None else count + 1
        found.add(base if count is None else f"{base}-{count + 1}")
    for region in doc.regions:
        if region.kind in (HTML_TAG, HTML_RAW):
            tag_text = doc.text[region.start : region.end]
            for m in _HTML_ID.finditer(tag_text):
                found.add(next(g for g in m.groups() if g is not None))
    prose = doc.prose_text
    for m in _ATTRIBUTE_LIST.finditer(prose):
        found.add(m.group(1))
    for token in doc.tokens:
        if token.type == "footnote_open" and token.meta.get("label"):
            label = token.meta["label"]
            found.update((f"fn:{label}", f"fnref:{label}"))
    return frozenset(found)


def anchor_checks(doc: Document) -> list[LocalCheck]:
    """Every ``#fragment`` link of ``doc``, each with its problem if it names nothing."""
    links = [(link, classify(link.target)) for link in doc.links]
    links = [(link, target) for link, target in links if target.kind == "anchor"]
    if not links:
        return []
    known = anchors(doc)
    checks = []
    for link, target in links:
        fragment = target.location
        problem = "" if fragment in known else _anchor_problem(fragment, known)
        key = f"{doc.path}#{fragment}"
        checks.append(
            LocalCheck("anchor", doc.path, link.target, key, link.start, link.end, problem)
        )
    return checks


def _anchor_problem(fragment: str, known: frozenset[str]) -> str:
    message = f"no heading or anchor #{fragment} in this document"
    candidates = sorted(known - _ALWAYS_THERE)
    folded = [c for c in candidates if c.lower() == fragment.lower()]
    close = folded or difflib.get_close_matches(fragment, candidates, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean #{close[0]}?"
    return message


@dataclass(frozen=True)
class SiteRoot:
    """Where site-absolute links (``/assets/x.png``) point.

    ``explicit`` is true when configured (``links.site_root``): every such link is checked.
    Otherwise the root is the project directory, which may not hold the site at all, so a link
    is checked only when the root has its first folder (``/assets/...`` needs ``assets/``).
    """

    path: Path
    explicit: bool = False


def file_checks(doc: Document, site: SiteRoot | None = None) -> list[LocalCheck]:
    """Every local-file link and image of ``doc``, each with its problem if the file is missing.

    Relative targets resolve against the draft's directory, site-absolute ones against
    ``site`` (none: they are not checked). Site-absolute page addresses (no extension, a
    trailing ``/``, ``.html``) are skipped: the site generator builds those pages from other
    files. Names must match in case, because the web server that publishes the site does.
    """
    base = Path(doc.path).parent
    finder = _FileFinder()
    checks = []
    for link in doc.links:
        target = classify(link.target)
        if target.kind != "file":
            continue
        resolved = _resolve(target.location, base, site)
        if resolved is None:
            continue
        path, root = resolved
        problem = finder.problem(path, root)
        if problem:
            what = "image" if link.is_image else "link target"
            problem = f"{what} {link.target} not found: {problem}"
        key = os.path.normpath(path)
        checks.append(LocalCheck("file", doc.path, link.target, key, link.start, link.end, problem))
    return checks


def _resolve(location: str, base: Path, site: SiteRoot | None) -> tuple[Path, Path] | None:
    """The file a local target names and the directory it was resolved from, or None."""
    if not location.startswith("/"):
        return base / location, base
    if site is None:
        return None
    inside = location.lstrip("/")
    if not inside or location.endswith("/") or Path(inside).suffix.lower() in _PAGE_SUFFIXES:
        return None
    if not site.explicit and not (site.path / inside.split("/", 1)[0]).exists():
        return None
    return site.path / inside, site.path


class _FileFinder:
    """Existence checks with exact case, listing each directory at most once."""

    def __init__(self) -> None:
        self._listings: dict[Path, frozenset[str] | None] = {}

    def problem(self, path: Path, root: Path) -> str:
        shown = os.path.normpath(path)
        if not path.exists():
            return f"no file {shown}"
        # On case-insensitive disks (macOS, Windows) Fig.png answers for fig.png; the server
        # that publishes the site will not.
        try:
            parts = Path(os.path.normpath(path)).relative_to(os.path.normpath(root)).parts
        except ValueError:
            return ""  # outside the root through "..": the disk's own answer must do
        directory = Path(os.path.normpath(root))
        for part in parts:
            names = self._names(directory)
            if names is not None and part not in names:
                actual = next((n for n in names if n.lower() == part.lower()), None)
                if actual is not None:
                    return (
                        f"{shown} is spelled {actual} on disk (web servers compare names by case)"
                    )
            directory = directory / part
        return ""

    def _names(self, directory: Path) -> frozenset[str] | None:
        if directory not in self._listings:
            try:
                self._listings[directory] = frozenset(os.listdir(directory))
            except OSError:
                self._listings[directory] = None
        return self._listings[directory]


# ---------------------------------------------------------------------- findings


@dataclass(frozen=True)
class LinkFindings:
    """What the I/O found, for the link rules: remote results by URL and missing files by draft.

    ``remote`` holds a result for each URL that was checked (an absent URL was not checked);
    ``missing_files`` maps a document path to its BT704 problems. Picklable, so it travels in a
    lint plan to worker processes.
    """

    remote: Mapping[str, LinkResult] = field(default_factory=dict)
    missing_files: Mapping[str, Sequence[LocalCheck]] = field(default_factory=dict)


def remote_problem(url: str, result: LinkResult) -> tuple[str, str] | None:
    """``(rule id, message)`` for a remote result that needs fixing, else None."""
    from .net.linkcheck import LinkStatus

    status = result.status
    if status is LinkStatus.REDIRECT:
        moved = result.moved_to or result.final_url or "?"
        return PERMANENT_REDIRECT, f"{url} has moved permanently to {moved}: link the new address"
    if not result.is_failure:
        return None
    detail = result.message or status.value
    if status is LinkStatus.DEAD:
        return DEAD_LINK, f"dead link {url}: {detail}"
    if status is LinkStatus.TIMEOUT:
        return DEAD_LINK, f"link timed out {url}: {detail}"
    return DEAD_LINK, f"broken link {url}: {detail}"
