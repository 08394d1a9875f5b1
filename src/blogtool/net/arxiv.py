"""Client of the arXiv API: paper metadata for a list of identifiers, politely.

arXiv asks API users for at most one request every three seconds, one connection at a time
(https://info.arxiv.org/help/api/tou.html). The client batches identifiers into one
``id_list`` query, spaces its requests, backs off when throttled and keeps answers in a disk
cache for a day so a repeated run asks nothing.

Every failure reaches the caller as an :class:`ArxivError` with a one-line human message;
no raw ``httpx`` exception escapes.
"""

from __future__ import annotations

import email.utils
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from blogtool.arxiv_id import ArxivId, InvalidArxivId, parse_arxiv_id
from blogtool.net.http import DEFAULT_USER_AGENT

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
# A server that asks for a longer pause than this gets an error instead of a frozen run.
_MAX_RETRY_WAIT = 120.0
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


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
    """Metadata of one paper version as the arXiv API describes it."""

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
    """

    def __init__(
        self,
        api_url: str | None = None,
        cache: DiskCache | None = None,
        min_interval: float = 3.0,
        timeout: float = 15.0,
        max_retries: int = 3,
        *,
        cache_max_age: float = CACHE_MAX_AGE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = (api_url or os.environ.get(ENV_API_URL) or DEFAULT_API_URL).rstrip("/")
        if not self.api_url.startswith(("http://", "https://")):
            raise ArxivError(
                f"invalid arXiv API URL {self.api_url!r} (from the argument or ${ENV_API_URL}): "
                "it must start with http:// or https://"
            )
        self.cache = cache
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.cache_max_age = cache_max_age
        self._sleep = sleep
        self._last_request_end: float | None = None
        import httpx

        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=True,
        )

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

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
        import httpx

        url = f"{self.api_url}/query"
        params = {"id_list": ",".join(str(i) for i in batch), "max_results": str(len(batch))}
        for attempt in range(self.max_retries + 1):
            self._wait_for_turn()
            try:
                response = self._http.get(url, params=params)
            except httpx.HTTPError as exc:
                raise ArxivUnavailable(_unreachable_message(self.api_url, exc)) from None
            except httpx.InvalidURL as exc:
                raise ArxivError(f"invalid arXiv API URL {self.api_url!r}: {exc}") from None
            finally:
                self._last_request_end = time.monotonic()

            retry_after = _retry_after_seconds(response)
            if _is_throttled(response):
                wait = retry_after if retry_after is not None else self._backoff(attempt)
                if attempt == self.max_retries or wait > _MAX_RETRY_WAIT:
                    raise ArxivRateLimited(
                        f"the arXiv API at {self.api_url} is throttling requests "
                        f"(asked to wait {wait:g} s; gave up after {_requests(attempt + 1)}); "
                        "try again in a few minutes"
                    )
                self._sleep(wait)
                continue
            if response.status_code in _TRANSIENT_STATUSES:
                if attempt == self.max_retries:
                    raise ArxivUnavailable(
                        f"the arXiv API at {self.api_url} answered HTTP "
                        f"{response.status_code} to {_requests(attempt + 1)}; try again later"
                    )
                self._sleep(retry_after if retry_after is not None else self._backoff(attempt))
                continue
            if response.status_code == 400:
                _raise_bad_id(response.content, batch)
            if response.status_code != 200:
                raise ArxivError(
                    f"the arXiv API at {self.api_url} answered HTTP {response.status_code}"
                )
            return response.content
        raise AssertionError("unreachable: the loop returns or raises")

    def _wait_for_turn(self) -> None:
        if self._last_request_end is None:
            return
        remaining = self._last_request_end + self.min_interval - time.monotonic()
        if remaining > 0:
            self._sleep(remaining)

    def _backoff(self, attempt: int) -> float:
        return self.min_interval * 2 ** (attempt + 1)


def _requests(count: int) -> str:
    return "1 request" if count == 1 else f"{count} requests"


def _is_throttled(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    # arXiv's front end answers throttled clients with this plain-text body.
    return response.content[:64].strip() == b"Rate exceeded."


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


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
