"""Client of the arXiv API: paper metadata for a list of identifiers, politely.

arXiv asks API users for at most one request every three seconds, one connection at a time
(https://info.arxiv.org/help/api/tou.html). The client batches identifiers into one
``id_list`` query, spaces its requests, backs off when throttled and keeps answers in a disk
cache for a day so a repeated run asks nothing.

Every failure reaches the caller as an :class:`ArxivError` with a one-line human message;
no raw ``httpx`` exception escapes.

Nothing a server sends can hold a run or fill its memory: each request has a deadline for
the whole exchange (``timeout``: connecting, headers and body), an answer larger than
``max_response_bytes`` (counted after decompression) is refused, and a server that asks to
wait longer than ``max_wait`` gets an error saying when to try again. What an answer holds
is data, never markup: every :class:`Paper` field is plain one-line text from the moment it
is built, whether from the feed or from the cache.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import re
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from blogtool.arxiv_id import ArxivId, InvalidArxivId, parse_arxiv_id
from blogtool.net.http import (
    DEFAULT_MAX_WAIT,
    DEFAULT_USER_AGENT,
    ResponseTooLarge,
    UnsupportedEncoding,
    build_async_transport,
    environment_proxy,
    http_url_problem,
    parse_retry_after,
    read_limited,
    retry_hint,
)
from blogtool.safetext import one_line

if TYPE_CHECKING:
    import httpx

    from blogtool.net.cache import DiskCache

__all__ = [
    "DEFAULT_API_URL",
    "ENV_API_URL",
    "ArxivBadId",
    "ArxivClient",
    "ArxivError",
    "ArxivRateLimited",
    "ArxivUnavailable",
    "Paper",
]

DEFAULT_API_URL = "https://export.arxiv.org/api"
ENV_API_URL = "BLOGTOOL_ARXIV_API_URL"
CACHE_NAMESPACE = "arxiv"
CACHE_MAX_AGE = 24 * 60 * 60.0
USER_AGENT = f"{DEFAULT_USER_AGENT} (paper section scaffolder)"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_ERROR_ID_MARK = "arxiv.org/api/errors"
_IDS_PER_REQUEST = 50
# A feed of 50 papers is about 150 kB; this leaves room for long author lists.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
DEFAULT_TIMEOUT = 15.0
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
# arXiv opened in August 1991: an earlier date in its metadata is an error, and the year of
# the paper's ID is the better guess.
_FIRST_ARXIV_YEAR = 1991
_URL = re.compile(r"https?://[^\s<>\"'()\[\]`\\]+")


class ArxivError(Exception):
    """Any failure to get metadata from arXiv; ``str()`` is a message for the user."""


class ArxivUnavailable(ArxivError):
    """The API could not be reached or kept failing (no network, DNS, timeout, 5xx)."""


class ArxivRateLimited(ArxivError):
    """arXiv kept throttling after every retry, or asked for a pause too long to wait."""


class ArxivBadId(ArxivError):
    """arXiv rejected an identifier as malformed."""

    def __init__(self, message: str, arxiv_id: str | None = None) -> None:
        super().__init__(message)
        self.arxiv_id = arxiv_id


@dataclass(frozen=True)
class Paper:
    """Metadata of one paper version as the arXiv API describes it.

    Built from whatever a server or a cache file holds, so it checks itself: a field of the
    wrong type is a :class:`TypeError`, an ID that is not one a :class:`ValueError`; text
    fields become plain one-line text (:func:`blogtool.safetext.one_line`); a link that is
    not a plain http(s) URL becomes the ID's own, and a date before arXiv existed is
    dropped. Putting a field into Markdown is still the caller's job
    (:func:`blogtool.safetext.markdown_inline`).
    """

    arxiv_id: str
    version: int | None
    title: str
    authors: tuple[str, ...]
    published: date | None
    updated: date | None
    abstract: str
    primary_category: str | None
    abs_url: str
    pdf_url: str

    def __post_init__(self) -> None:
        if not isinstance(self.arxiv_id, str):
            raise TypeError(f"arxiv_id must be a string, not {type(self.arxiv_id).__name__}")
        parsed = parse_arxiv_id(self.arxiv_id)
        if parsed.base != self.arxiv_id:
            raise ValueError(f"{self.arxiv_id!r} is not an arXiv ID without a version")
        version = self.version
        if version is not None and (type(version) is not int or version < 1):
            raise TypeError(f"version must be a positive integer or None, not {version!r}")
        if not isinstance(self.authors, tuple):
            raise TypeError(f"authors must be a tuple, not {type(self.authors).__name__}")
        for name in ("published", "updated"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise TypeError(f"{name} must be a date or None, not {type(value).__name__}")
            if value is not None and value.year < _FIRST_ARXIV_YEAR:
                object.__setattr__(self, name, None)
        clean = {
            "title": _plain(self.title, "title"),
            "authors": tuple(
                name for author in self.authors if (name := _plain(author, "an author"))
            ),
            "abstract": _plain(self.abstract, "abstract"),
            "primary_category": None
            if self.primary_category is None
            else _plain(self.primary_category, "primary_category") or None,
        }
        versioned = dataclasses.replace(parsed, version=version)
        clean["abs_url"] = _plain_url(self.abs_url, versioned.abs_url)
        clean["pdf_url"] = _plain_url(self.pdf_url, versioned.pdf_url)
        for name, value in clean.items():
            object.__setattr__(self, name, value)

    @property
    def versioned_id(self) -> str:
        return self.arxiv_id if self.version is None else f"{self.arxiv_id}v{self.version}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        data["published"] = _date_to_json(self.published)
        data["updated"] = _date_to_json(self.updated)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Paper:
        """The paper :meth:`to_json` stored; TypeError, KeyError or ValueError if the data
        (a damaged or foreign cache entry) is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("authors"), list):
            raise TypeError("not a stored paper")
        return cls(
            arxiv_id=data["arxiv_id"],
            version=data["version"],
            title=data["title"],
            authors=tuple(data["authors"]),
            published=_date_from_json(data["published"]),
            updated=_date_from_json(data["updated"]),
            abstract=data["abstract"],
            primary_category=data["primary_category"],
            abs_url=data["abs_url"],
            pdf_url=data["pdf_url"],
        )


class ArxivClient:
    """Fetch paper metadata from the arXiv API.

    ``api_url`` defaults to ``$BLOGTOOL_ARXIV_API_URL``, then to :data:`DEFAULT_API_URL`.
    ``min_interval`` is the pause in seconds between the end of one request and the start of
    the next; the backoff after throttling grows from it. ``cache`` is optional.
    ``timeout`` is the deadline of each whole exchange, ``max_response_bytes`` the largest
    answer read (after decompression) and ``max_wait`` the longest pause a server may ask
    for. Requests run on an event loop of their own (:func:`asyncio.run`), so the client is
    for synchronous callers.
    """

    def __init__(
        self,
        api_url: str | None = None,
        cache: DiskCache | None = None,
        min_interval: float = 3.0,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        *,
        cache_max_age: float = CACHE_MAX_AGE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_wait: float = DEFAULT_MAX_WAIT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # Name the environment only when the URL came from it (a config file is checked,
        # with its line, when it is loaded).
        from_env = not api_url and bool(os.environ.get(ENV_API_URL))
        source = f" (from ${ENV_API_URL})" if from_env else ""
        self.api_url = (api_url or os.environ.get(ENV_API_URL) or DEFAULT_API_URL).rstrip("/")
        problem = http_url_problem(self.api_url)
        if problem:
            raise ArxivError(f"invalid arXiv API URL {self.api_url!r}{source}: {problem}")
        for name, value in (("min_interval", min_interval), ("max_wait", max_wait)):
            if not (math.isfinite(value) and value >= 0):
                raise ArxivError(f"arXiv client: {name} must be a finite number of seconds")
        if not (math.isfinite(timeout) and timeout > 0):
            raise ArxivError("arXiv client: timeout must be a finite number of seconds above 0")
        self.cache = cache
        self.min_interval = min_interval
        self.timeout = timeout
        self.max_retries = max_retries
        self.cache_max_age = cache_max_age
        self.max_response_bytes = max_response_bytes
        self.max_wait = max_wait
        self._sleep = sleep
        self._last_request_end: float | None = None

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between requests; kept so the client is a context manager."""

    def fetch(self, ids: Iterable[ArxivId | str]) -> dict[str, Paper | None]:
        """Metadata for each identifier, keyed by ``str(arxiv_id)`` as requested.

        An identifier arXiv does not know maps to ``None``. Unversioned identifiers describe
        the latest version. Strings are parsed first (:class:`InvalidArxivId` if malformed).
        """
        wanted: dict[str, ArxivId] = {}
        for item in ids:
            arxiv_id = parse_arxiv_id(item) if isinstance(item, str) else item
            wanted.setdefault(str(arxiv_id), arxiv_id)

        results: dict[str, Paper | None] = {}
        missing: list[ArxivId] = []
        for key, arxiv_id in wanted.items():
            cached = self._cache_get(key)
            if cached is not None:
                results[key] = cached
            else:
                missing.append(arxiv_id)

        for start in range(0, len(missing), _IDS_PER_REQUEST):
            batch = missing[start : start + _IDS_PER_REQUEST]
            entries = _parse_feed(self._query(batch))
            for arxiv_id in batch:
                paper = _pick_entry(arxiv_id, entries)
                results[str(arxiv_id)] = paper
                if paper is not None:
                    self._cache_put(str(arxiv_id), paper)
            if entries.errors:
                # Papers found so far are cached, so a rerun after fixing the ID is cheap.
                _raise_error_entry(entries.errors[0], batch)
        return {key: results[key] for key in wanted}

    def fetch_one(self, arxiv_id: ArxivId | str) -> Paper | None:
        return next(iter(self.fetch([arxiv_id]).values()))

    # --- cache -----------------------------------------------------------------------------

    def _cache_get(self, key: str) -> Paper | None:
        if self.cache is None:
            return None
        entry = self.cache.get(CACHE_NAMESPACE, key, max_age=self.cache_max_age)
        if entry is None or not isinstance(entry.value, dict):
            return None
        try:
            return Paper.from_json(entry.value)
        except (KeyError, TypeError, ValueError):
            return None  # an entry written by an older blogtool: ask again

    def _cache_put(self, key: str, paper: Paper) -> None:
        if self.cache is None:
            return
        value = paper.to_json()
        self.cache.put(CACHE_NAMESPACE, key, value)
        # An unversioned answer is also exactly that version's metadata.
        if paper.versioned_id != key:
            self.cache.put(CACHE_NAMESPACE, paper.versioned_id, value)

    # --- HTTP ------------------------------------------------------------------------------

    def _query(self, batch: list[ArxivId]) -> bytes:
        """One ``id_list`` query, retried while arXiv throttles or hiccups."""
        url = f"{self.api_url}/query"
        params = {"id_list": ",".join(str(i) for i in batch), "max_results": str(len(batch))}
        for attempt in range(self.max_retries + 1):
            self._wait_for_turn()
            try:
                answer = asyncio.run(self._exchange(url, params))
            finally:
                self._last_request_end = time.monotonic()

            now = time.time()
            retry_after = parse_retry_after(answer.retry_after, now)
            wait = retry_after if retry_after is not None else self._backoff(attempt)
            gave_up = f"gave up after {_requests(attempt + 1)}"
            if _is_throttled(answer):
                if wait > self.max_wait:
                    raise ArxivRateLimited(
                        f"the arXiv API at {self.api_url} is throttling requests (asked to "
                        f"wait {_shown_wait(wait)}, over the {self.max_wait:g} s limit; "
                        f"{gave_up}); {retry_hint(wait, now)}"
                    )
                if attempt == self.max_retries:
                    raise ArxivRateLimited(
                        f"the arXiv API at {self.api_url} is throttling requests (asked to "
                        f"wait {_shown_wait(wait)}; {gave_up}); try again in a few minutes"
                    )
                self._sleep(wait)
                continue
            if answer.status in _TRANSIENT_STATUSES:
                if wait > self.max_wait:
                    raise ArxivUnavailable(
                        f"the arXiv API at {self.api_url} answered HTTP {answer.status} and "
                        f"asked to wait {_shown_wait(wait)}, over the {self.max_wait:g} s "
                        f"limit; {retry_hint(wait, now)}"
                    )
                if attempt == self.max_retries:
                    raise ArxivUnavailable(
                        f"the arXiv API at {self.api_url} answered HTTP "
                        f"{answer.status} to {_requests(attempt + 1)}; try again later"
                    )
                self._sleep(wait)
                continue
            if answer.status == 400:
                _raise_bad_id(answer.body, batch)
            if answer.status != 200:
                raise ArxivError(f"the arXiv API at {self.api_url} answered HTTP {answer.status}")
            return answer.body
        raise AssertionError("unreachable: the loop returns or raises")

    async def _exchange(self, url: str, params: dict[str, str]) -> _Answer:
        """One GET, its body read whole, within the deadline and the byte limit."""
        import httpx

        try:
            target = httpx.URL(url)
            transport = build_async_transport(
                max_connections=1, proxy=environment_proxy(target.scheme, target.host)
            )
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
            async with httpx.AsyncClient(
                transport=transport, headers=headers, timeout=self.timeout, follow_redirects=True
            ) as client:
                async with asyncio.timeout(self.timeout):
                    async with client.stream("GET", url, params=params) as response:
                        body = await read_limited(response, self.max_response_bytes)
                        return _Answer(response.status_code, response.headers, body)
        except TimeoutError:
            raise ArxivUnavailable(
                f"cannot reach the arXiv API at {self.api_url}: the request timed out "
                f"(no complete answer within {self.timeout:g} s)"
            ) from None
        except ResponseTooLarge as exc:
            raise ArxivError(
                f"the arXiv API at {self.api_url} sent an answer larger than "
                f"{exc.limit:,} bytes (max_response_bytes); it was not read"
            ) from None
        except (UnsupportedEncoding, zlib.error) as exc:
            raise ArxivError(
                f"the arXiv API at {self.api_url} sent an answer that cannot be read ({exc})"
            ) from None
        except httpx.InvalidURL as exc:
            raise ArxivError(f"invalid arXiv API URL {self.api_url!r}: {exc}") from None
        except httpx.HTTPError as exc:
            raise ArxivUnavailable(_unreachable_message(self.api_url, exc)) from None
        except UnicodeError as exc:  # a host name the lookup cannot encode: "a..b"
            raise ArxivError(f"invalid arXiv API URL {self.api_url!r}: {exc}") from None

    def _wait_for_turn(self) -> None:
        if self._last_request_end is None:
            return
        remaining = self._last_request_end + self.min_interval - time.monotonic()
        if remaining > 0:
            self._sleep(remaining)

    def _backoff(self, attempt: int) -> float:
        return self.min_interval * 2 ** (attempt + 1)


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def retry_after(self) -> str | None:
        return self.headers.get("Retry-After")


def _requests(count: int) -> str:
    return "1 request" if count == 1 else f"{count} requests"


def _shown_wait(wait: float) -> str:
    return f"{wait:g} s" if math.isfinite(wait) and wait < 1e12 else "an unbounded time"


def _is_throttled(answer: _Answer) -> bool:
    if answer.status == 429:
        return True
    # arXiv's front end answers throttled clients with this plain-text body.
    return answer.body[:64].strip() == b"Rate exceeded."


def _unreachable_message(api_url: str, exc: httpx.HTTPError) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        reason = "the request timed out"
    elif isinstance(exc, httpx.ConnectError):
        reason = "could not connect (no network, or the host is down)"
    else:
        reason = str(exc) or type(exc).__name__
    return f"cannot reach the arXiv API at {api_url}: {reason}"


def _raise_bad_id(content: bytes, batch: list[ArxivId]) -> None:
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        raise ArxivError("the arXiv API rejected the request (HTTP 400)") from None
    for entry in root.iter(f"{_ATOM}entry"):
        if _is_error_entry(entry):
            _raise_error_entry(entry, batch)
    raise ArxivError("the arXiv API rejected the request (HTTP 400)")


def _raise_error_entry(entry: ET.Element, batch: list[ArxivId]) -> None:
    summary = _text(entry, f"{_ATOM}summary") or "unknown error"
    culprit = None
    for arxiv_id in batch:
        if summary.endswith(f" {arxiv_id}"):
            culprit = str(arxiv_id)
    subject = f"the ID {culprit}" if culprit else "the request"
    raise ArxivBadId(f"arXiv rejected {subject}: {summary}", culprit)


# --- Atom parsing --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entries:
    papers: list[Paper]
    errors: list[ET.Element]


def _parse_feed(content: bytes) -> _Entries:
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise ArxivError(f"the arXiv API answered with something that is not XML ({exc})") from None
    if root.tag != f"{_ATOM}feed":
        raise ArxivError("the arXiv API answered with XML that is not an Atom feed")
    papers: list[Paper] = []
    errors: list[ET.Element] = []
    for entry in root.findall(f"{_ATOM}entry"):
        if _is_error_entry(entry):
            errors.append(entry)
            continue
        paper = _paper_from_entry(entry)
        if paper is not None:
            papers.append(paper)
    return _Entries(papers, errors)


def _is_error_entry(entry: ET.Element) -> bool:
    entry_id = _text(entry, f"{_ATOM}id")
    if _ERROR_ID_MARK in entry_id:
        return True
    # Some bad IDs come back as an entry titled "Error" whose id is no paper URL.
    return _text(entry, f"{_ATOM}title") == "Error" and _entry_arxiv_id(entry_id) is None


def _paper_from_entry(entry: ET.Element) -> Paper | None:
    arxiv_id = _entry_arxiv_id(_text(entry, f"{_ATOM}id"))
    title = _text(entry, f"{_ATOM}title")
    if arxiv_id is None or not title:
        # Unknown IDs used to come back as an empty entry: that is "not found", not a paper.
        return None
    links = {
        (link.get("rel"), link.get("title")): link.get("href", "")
        for link in entry.findall(f"{_ATOM}link")
    }
    category = entry.find(f"{_ARXIV}primary_category")
    return Paper(
        arxiv_id=arxiv_id.base,
        version=arxiv_id.version,
        title=title,
        authors=tuple(
            name
            for author in entry.findall(f"{_ATOM}author")
            if (name := _text(author, f"{_ATOM}name"))
        ),
        published=_parse_date(_text(entry, f"{_ATOM}published")),
        updated=_parse_date(_text(entry, f"{_ATOM}updated")),
        abstract=_text(entry, f"{_ATOM}summary"),
        primary_category=category.get("term") if category is not None else None,
        abs_url=links.get(("alternate", None)) or arxiv_id.abs_url,
        pdf_url=links.get(("related", "pdf")) or arxiv_id.pdf_url,
    )


def _pick_entry(arxiv_id: ArxivId, entries: _Entries) -> Paper | None:
    """The entry answering ``arxiv_id``: the same version if one was asked, else the latest."""
    candidates = [p for p in entries.papers if p.arxiv_id == arxiv_id.base]
    if arxiv_id.version is not None:
        candidates = [p for p in candidates if p.version == arxiv_id.version]
    if not candidates:
        return None
    return max(candidates, key=lambda p: p.version or 0)


def _entry_arxiv_id(entry_id: str) -> ArxivId | None:
    if not entry_id:
        return None
    try:
        return parse_arxiv_id(entry_id)
    except InvalidArxivId:
        return None


def _text(element: ET.Element, tag: str) -> str:
    """The child's text with runs of whitespace (Atom titles wrap lines) collapsed."""
    child = element.find(tag)
    if child is None or child.text is None:
        return ""
    return " ".join(child.text.split())


def _parse_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _date_to_json(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date_from_json(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _plain(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    return one_line(value)


def _plain_url(value: object, fallback: str) -> str:
    text = _plain(value, "a link")
    return text if _URL.fullmatch(text) else fallback
