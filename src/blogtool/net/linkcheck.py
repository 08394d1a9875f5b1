"""Check that remote links still answer, without hammering anyone and without ever crashing.

Each unique URL (fragments ignored) is requested once per run. Requests are bounded overall and
per host, and the checks one host receives are spaced by a minimum interval (the follow-ups of
a check, a GET after an unreliable HEAD or a redirect hop on that host, go at once). Each host
has its own pool of kept-alive connections. A link is tried with HEAD first and with GET when
the HEAD answer cannot be trusted. Redirects are followed by hand so
every hop is seen: permanent moves are reported with the new URL, loops and jumps to other
schemes are errors. Timeouts, dropped connections, 5xx and 429 answers are retried with
backoff, honouring ``Retry-After``. When no request reaches anything because the network is
down, the links are reported as ``offline`` rather than dead.

Every exception becomes a :class:`LinkResult`; nothing here prints.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import math
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from blogtool.net.addresses import PrivateAddress, private_host
from blogtool.net.http import (
    DEFAULT_USER_AGENT,
    build_async_transport,
    drain,
    environment_proxy,
    http_url_problem,
    parse_retry_after,
    retry_hint,
)

if TYPE_CHECKING:
    import httpx

    from blogtool.net.cache import DiskCache

CACHE_NAMESPACE = "links"
ProgressCallback = Callable[[int, int], None]

_MIN_CODE, _MAX_CODE = 100, 999
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECT_CODES = frozenset({301, 308})
# 405 and 501 mean the server refuses HEAD. The others are answers some CDNs and bot filters
# give to HEAD while the same URL works with GET, so a HEAD 404 alone does not prove a link dead.
_HEAD_UNRELIABLE_CODES = frozenset({400, 403, 404, 405, 406, 501})
_NOT_RETRIED_5XX = frozenset({501, 505, 511})
_UNREACHABLE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})
# Upper bounds of the settings that make a run wait: past them a run would look hung.
_MAX_SECONDS = {
    "timeout": 3600.0,
    "min_host_interval": 60.0,
    "max_retry_wait": 3600.0,
    "backoff_base": 60.0,
}
# Connecting gets this share of the deadline, so a link that cannot be reached at all times
# out as "connection timed out" (a sign of a missing network) before the deadline of the
# whole exchange ends it as "no complete response".
_CONNECT_SHARE = 0.9
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token
_HEADER_VALUE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ACCEPT_PART = re.compile(r"(?P<start>\d+)?\.\.(?P<inclusive>=)?(?P<end>\d+)?|(?P<single>\d+)")


class LinkStatus(StrEnum):
    OK = "ok"
    REDIRECT = "redirect"  # works, but moved permanently: ``moved_to`` holds the new URL
    DEAD = "dead"  # the server answered with a client error such as 404 or 410
    ERROR = "error"  # server errors, rate limits, TLS, DNS, refused connections, bad redirects
    TIMEOUT = "timeout"
    OFFLINE = "offline"  # not checked: the network was unreachable for every request
    EXCLUDED = "excluded"


_FAILURES = frozenset({LinkStatus.DEAD, LinkStatus.ERROR, LinkStatus.TIMEOUT})


@dataclass(frozen=True)
class LinkResult:
    """What happened to one URL.

    ``attempts`` counts the HTTP requests sent for it: retries, the GET after an unreliable
    HEAD and redirect hops included; 0 when it was excluded, cached or not checkable.
    ``elapsed`` is seconds from its first request to its outcome.
    """

    url: str
    status: LinkStatus
    code: int | None = None
    final_url: str | None = None
    moved_to: str | None = None
    elapsed: float = 0.0
    message: str = ""
    attempts: int = 0
    cached: bool = False

    @property
    def is_failure(self) -> bool:
        return self.status in _FAILURES


@dataclass(frozen=True)
class LinkCheckConfig:
    """How to check links. ``__post_init__`` rejects bad values with a :class:`ValueError`.

    ``accept`` uses lychee's syntax: ``"200..=299, 429"``, ``"200..300"`` (end excluded),
    ``"..=399"``, or a sequence of codes and such strings. ``excludes`` are regular
    expressions searched in each URL; an entry equal to the URL excludes it too. ``headers``
    maps a host name (or ``host:port``) to extra request headers for that host only.

    ``timeout`` is the deadline of one whole exchange: connecting, the status line and
    headers, and the part of the body that is read, which is at most ``max_body_bytes`` (a
    longer body is not downloaded; the status answers the question). Links to private,
    loopback and link-local addresses, and redirects to them, are not followed unless
    ``allow_private``.
    """

    accept: str | Sequence[int | str] = "200..=299"
    timeout: float = 10.0
    max_concurrency: int = 128
    max_per_host: int = 10
    min_host_interval: float = 0.05  # seconds between request starts to one server, as lychee
    max_retries: int = 3
    max_retry_wait: float = 30.0
    backoff_base: float = 0.5
    excludes: Sequence[str] = ()
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    user_agent: str = f"{DEFAULT_USER_AGENT} (+link checker)"
    head_first: bool = True
    max_redirects: int = 10
    cache_max_age: float = 86400.0
    max_body_bytes: int = 64 * 1024
    allow_private: bool = False

    def __post_init__(self) -> None:
        parse_accept(self.accept)
        _compile_excludes(self.excludes)
        for name, limit in _MAX_SECONDS.items():
            value = getattr(self, name)
            if not (math.isfinite(value) and value <= limit):
                raise ValueError(f"{name} must be at most {limit:g} seconds, got {value!r}")
        if not 0 <= self.max_body_bytes <= 1 << 30:
            raise ValueError(f"max_body_bytes must be 0 to 2**30, got {self.max_body_bytes!r}")
        _check_header_value("user_agent", self.user_agent)
        for host, values in self.headers.items():
            for name, value in values.items():
                if not _HEADER_NAME.fullmatch(name):
                    raise ValueError(f"headers.{host}: {name!r} is not a valid header name")
                _check_header_value(f"headers.{host}.{name}", value)
        positive = {"timeout": self.timeout, "max_concurrency": self.max_concurrency}
        positive["max_per_host"] = self.max_per_host
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be greater than 0, got {value!r}")
        non_negative = {
            "min_host_interval": self.min_host_interval,
            "max_retries": self.max_retries,
            "max_retry_wait": self.max_retry_wait,
            "backoff_base": self.backoff_base,
            "max_redirects": self.max_redirects,
            "cache_max_age": self.cache_max_age,
        }
        for name, value in non_negative.items():
            if not value >= 0:
                raise ValueError(f"{name} must not be negative, got {value!r}")


def parse_accept(spec: str | Iterable[int | str]) -> frozenset[int]:
    """The status codes an ``accept`` setting allows, e.g. ``"200..=299, 429"``.

    Parts are separated by commas: a code (``429``), an inclusive range (``200..=299``), a range
    that excludes its end (``200..300``), or an open one (``..=399``, ``500..``). Codes lie in
    100..=999, as in lychee.
    """
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    codes: set[int] = set()
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, int | str):
            raise ValueError(f"invalid accept entry {part!r}: expected a status code or a range")
        if isinstance(part, int):
            codes.add(_check_code(part, part))
            continue
        text = part.strip()
        if not text:
            continue
        match = _ACCEPT_PART.fullmatch(text)
        if match is None or (match["inclusive"] and match["end"] is None):
            raise ValueError(
                f"invalid accept range {text!r}: expected a status code such as 429 or a range "
                "such as 200..=299 (end included) or 200..300 (end excluded)"
            )
        if match["single"] is not None:
            codes.add(_check_code(int(match["single"]), text))
            continue
        start = _check_code(int(match["start"]), text) if match["start"] else _MIN_CODE
        if match["end"] is None:
            end = _MAX_CODE
        else:
            end = _check_code(int(match["end"]), text) - (0 if match["inclusive"] else 1)
        if start > end:
            raise ValueError(f"invalid accept range {text!r}: it contains no status code")
        codes.update(range(start, end + 1))
    if not codes:
        raise ValueError("the accept setting lists no status code")
    return frozenset(codes)


def _check_header_value(name: str, value: str) -> None:
    # A line break would end the header and start another: one config value could rewrite
    # every request, and the server would answer every link with an error.
    if _HEADER_VALUE_FORBIDDEN.search(value):
        raise ValueError(f"{name} must be one line without control characters: {value!r}")


def offline_summary(results: Mapping[str, LinkResult]) -> str | None:
    """The one line to print when links could not be checked for lack of a network."""
    count = sum(1 for result in results.values() if result.status is LinkStatus.OFFLINE)
    if not count:
        return None
    return f"{count} link{'s' if count != 1 else ''} not checked (offline)"


def check_urls(
    urls: Iterable[str],
    config: LinkCheckConfig | None = None,
    cache: DiskCache | None = None,
    progress: ProgressCallback | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, LinkResult]:
    """Check every URL once and return a result for each distinct input string.

    ``progress(done, total)`` is called as links finish. ``transport`` replaces the network
    layer of the HTTP client (for tests). Cache warnings, if any, are on ``cache.warnings``.
    """
    return asyncio.run(check_urls_async(urls, config, cache, progress, transport=transport))


def cached_results(
    urls: Iterable[str], config: LinkCheckConfig | None = None, cache: DiskCache | None = None
) -> dict[str, LinkResult]:
    """What is known about ``urls`` without a request: cached answers and exclusions.

    URLs the cache does not hold are left out. Never opens a connection.
    """
    checker = _Checker(config or LinkCheckConfig())
    results = {}
    for url in dict.fromkeys(urls):
        known = checker.result_without_request(url, cache)
        if known is not None:
            results[url] = known
    return results


async def check_urls_async(
    urls: Iterable[str],
    config: LinkCheckConfig | None = None,
    cache: DiskCache | None = None,
    progress: ProgressCallback | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, LinkResult]:
    """:func:`check_urls` for callers that already run an event loop."""
    config = config or LinkCheckConfig()
    checker = _Checker(config)
    unique = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    pending: dict[str, list[str]] = {}
    for url in unique:
        early = checker.result_without_request(url, cache)
        if early is not None:
            results[url] = early
        else:
            pending.setdefault(_without_fragment(url), []).append(url)

    done, total = len(results), len(unique)
    if progress is not None:
        progress(done, total)
    outcomes: dict[str, _Outcome] = {}
    if pending:
        checker.transports = _Transports(config, transport)
        try:
            tasks = [asyncio.create_task(checker.check(key)) for key in pending]
            for next_done in asyncio.as_completed(tasks):
                key, outcome = await next_done
                outcomes[key] = outcome
                done += len(pending[key])
                if progress is not None:
                    progress(done, total)
        finally:
            await checker.transports.aclose()
            # One transaction for the run, also when it was interrupted. An answer worth
            # caching came from a server, so a network found down later cannot change it.
            if cache is not None:
                cache.put_many(
                    CACHE_NAMESPACE,
                    (
                        (key, _cache_value(outcome))
                        for key, outcome in outcomes.items()
                        if _cacheable(checker.result_from(key, outcome, False))
                    ),
                )

    network_down = bool(outcomes) and all(o.unreachable for o in outcomes.values())
    for key, outcome in outcomes.items():
        result = checker.result_from(key, outcome, network_down)
        for url in pending[key]:
            results[url] = dataclasses.replace(result, url=url)
    return {url: results[url] for url in unique}


@dataclass
class _Outcome:
    """The facts gathered for one URL; classification against ``accept`` comes later."""

    code: int | None = None
    final_url: str | None = None
    moved_to: str | None = None
    failure: LinkStatus | None = None
    message: str = ""
    note: str = ""
    requests: int = 0
    elapsed: float = 0.0
    unreachable: bool = False


@dataclass(frozen=True)
class _Failure:
    status: LinkStatus
    message: str
    retryable: bool = False
    unreachable: bool = False
    private: bool = False  # refused: the host is on a private network (allow_private is off)


@dataclass(frozen=True)
class _Reply:
    code: int
    location: str | None
    message: str = ""


@dataclass
class _Trace:
    """Counts what one URL cost, across retries, fallbacks and redirect hops."""

    requests: int = 0
    responses: int = 0
    started: float | None = None
    servers: set[str] = field(default_factory=set)  # the servers this URL's check has reached


class _Transports:
    """The connection pools of one run: one per server and scheme.

    httpcore's pool looks at every one of its connections each time it places a request, so a
    single pool for every server slows down as kept-alive connections pile up (over a thousand
    links on twenty servers, that scan cost more CPU than all the rest of the run). A pool
    per server keeps each scan to that server's few connections, as lychee keeps a client per
    host. The ``https`` pools share one SSL context, built when the first one is: loading the
    CA bundle costs tens of milliseconds, which a run of plain ``http`` links never pays. A
    ``transport`` given by the caller serves every server.
    """

    def __init__(self, config: LinkCheckConfig, transport: httpx.AsyncBaseTransport | None):
        self._config = config
        self._given = transport
        self._pools: dict[tuple[str, str], httpx.AsyncBaseTransport] = {}
        self._verify: ssl.SSLContext | None = None

    def for_server(self, origin: str, scheme: str, host: str) -> httpx.AsyncBaseTransport:
        if self._given is not None:
            return self._given
        scheme = scheme.lower()
        pool = self._pools.get((scheme, origin))
        if pool is None:
            verify = None
            if scheme == "https":
                import httpx

                if self._verify is None:
                    self._verify = httpx.create_ssl_context()
                verify = self._verify
            pool = build_async_transport(
                max_connections=self._config.max_per_host,
                verify=verify,
                proxy=environment_proxy(scheme, host),
                allow_private=self._config.allow_private,
            )
            self._pools[(scheme, origin)] = pool
        return pool

    async def aclose(self) -> None:
        for pool in [*self._pools.values(), *([self._given] if self._given else [])]:
            await pool.aclose()


class _Host:
    """Per-server limits: a bounded number of requests in flight and a spacing between starts."""

    def __init__(self, max_in_flight: int, interval: float) -> None:
        self.slots = asyncio.Semaphore(max_in_flight)
        self._interval = interval
        self._next_start = 0.0

    async def wait_turn(self) -> None:
        # Reserve a start time before sleeping, so concurrent waiters queue up behind each other.
        now = time.monotonic()
        start = max(now, self._next_start)
        self._next_start = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)

    def hold_off(self, seconds: float) -> None:
        self._next_start = max(self._next_start, time.monotonic() + seconds)


class _Checker:
    def __init__(self, config: LinkCheckConfig) -> None:
        self.config = config
        self.accept = parse_accept(config.accept)
        self.excludes = _compile_excludes(config.excludes)
        self.headers = {host.lower(): dict(values) for host, values in config.headers.items()}
        # What httpx's client would send; per-host headers replace these, whatever their case.
        self._default_headers = {
            "User-Agent": config.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": "gzip, deflate",
        }
        self.transports: _Transports | None = None
        self._timeout: dict[str, float] | None = None
        self._hosts: dict[str, _Host] = {}
        self._in_flight = asyncio.Semaphore(config.max_concurrency)

    def result_without_request(self, url: str, cache: DiskCache | None) -> LinkResult | None:
        """The result for ``url`` if it needs no request: excluded, unusable or cached."""
        if any(url == pattern.pattern or pattern.search(url) for pattern in self.excludes):
            return LinkResult(url, LinkStatus.EXCLUDED, message="excluded by configuration")
        problem = _unusable_url(url)
        if problem:
            return LinkResult(url, LinkStatus.ERROR, message=problem)
        private = self._private_literal(url)
        if private is not None:
            return LinkResult(url, LinkStatus.EXCLUDED, message=_not_checked(private))
        if cache is None:
            return None
        max_age = self.config.cache_max_age
        entry = cache.get(CACHE_NAMESPACE, _without_fragment(url), max_age=max_age)
        outcome = _outcome_from_cache(entry.value) if entry is not None else None
        if outcome is None:
            return None
        result = dataclasses.replace(self.result_from(url, outcome, False), cached=True)
        return result if _cacheable(result) else None

    def _private_literal(self, url: str) -> PrivateAddress | None:
        """The refusal for a URL whose host is a private IP literal or ``localhost``."""
        if self.config.allow_private:
            return None
        host = urlsplit(url).hostname or ""
        address = private_host(host)
        return PrivateAddress(host, address) if address is not None else None

    async def check(self, url: str) -> tuple[str, _Outcome]:
        trace = _Trace()
        try:
            outcome = await self._check(url, trace)
        except Exception as exc:  # a bug here must cost one link, not the run
            outcome = _Outcome(failure=LinkStatus.ERROR, message=f"internal error: {exc!r}")
        outcome.requests = trace.requests
        if trace.started is not None:
            outcome.elapsed = time.monotonic() - trace.started
        outcome.unreachable = outcome.unreachable and trace.responses == 0
        return url, outcome

    def result_from(self, url: str, outcome: _Outcome, network_down: bool) -> LinkResult:
        status, message = self._classify(url, outcome)
        if network_down and outcome.unreachable:
            status, message = LinkStatus.OFFLINE, f"not checked, no network: {outcome.message}"
        return LinkResult(
            url=url,
            status=status,
            code=outcome.code,
            final_url=outcome.final_url,
            moved_to=outcome.moved_to,
            elapsed=outcome.elapsed,
            message=message,
            attempts=outcome.requests,
        )

    def _classify(self, url: str, outcome: _Outcome) -> tuple[LinkStatus, str]:
        code = outcome.code
        if outcome.failure is not None or code is None:
            return outcome.failure or LinkStatus.ERROR, _join(outcome.message, outcome.note)
        if code in self.accept:
            if outcome.moved_to:
                moved = f"moved permanently to {outcome.moved_to}"
                return LinkStatus.REDIRECT, _join(moved, outcome.note)
            return LinkStatus.OK, outcome.note
        answer = _describe_code(code)
        if outcome.final_url and outcome.final_url != _without_fragment(url):
            answer += f" at {outcome.final_url}"
        answer = _join(answer, outcome.message, outcome.note)
        if 400 <= code < 500 and code not in (408, 429):
            return LinkStatus.DEAD, answer
        return LinkStatus.ERROR, answer

    async def _check(self, url: str, trace: _Trace) -> _Outcome:
        if not self.config.head_first:
            return await self._follow(url, "GET", trace)
        outcome = await self._follow(url, "HEAD", trace)
        code = outcome.code
        if code is None or code in self.accept or code not in _HEAD_UNRELIABLE_CODES:
            return outcome
        outcome = await self._follow(url, "GET", trace)
        outcome.note = f"HEAD answered {code}, checked with GET"
        return outcome

    async def _follow(self, url: str, method: str, trace: _Trace) -> _Outcome:
        """Request ``url`` and follow its redirects, noting the last permanent move."""
        chain = [url]
        moved_to: str | None = None
        current = url
        redirected_by = 0  # the status code of the redirect that led to ``current``
        while True:
            reply = await self._request(method, current, trace)
            if isinstance(reply, _Failure) and reply.private:
                if current == url:
                    return _Outcome(failure=LinkStatus.EXCLUDED, message=reply.message)
                # A public page must not make the checker probe its own network.
                refused = f"refused a redirect to {current}: {reply.message}"
                return _redirect_error(chain[-2], redirected_by, refused)
            if isinstance(reply, _Failure):
                where = f" at {current}, after a redirect" if current != url else ""
                return _Outcome(
                    final_url=current,
                    moved_to=moved_to,
                    failure=reply.status,
                    message=reply.message + where,
                    unreachable=reply.unreachable,
                )
            code, location = reply.code, reply.location
            if code not in _REDIRECT_CODES or location is None:
                return _Outcome(
                    code=code, final_url=current, moved_to=moved_to, message=reply.message
                )
            try:
                target = urljoin(current, location.strip())
                urlsplit(target).port  # noqa: B018 - raises ValueError for a malformed port
            except ValueError:
                return _redirect_error(current, code, f"invalid redirect location {location!r}")
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                return _redirect_error(current, code, f"unsupported redirect to {target}")
            if code in _PERMANENT_REDIRECT_CODES:
                moved_to = target
            if _without_fragment(target) in map(_without_fragment, chain):
                loop = " -> ".join([*chain, target])
                return _redirect_error(current, code, f"redirect loop: {loop}")
            if len(chain) > self.config.max_redirects:
                limit = self.config.max_redirects
                return _redirect_error(current, code, f"too many redirects (more than {limit})")
            chain.append(target)
            current = target
            redirected_by = code

    async def _request(self, method: str, url: str, trace: _Trace) -> _Reply | _Failure:
        """One request with retries: the final answer, or why there was none."""
        assert self.transports is not None
        parts = urlsplit(url)
        host_name, port = parts.hostname or "", parts.port
        # Politeness is per server: an explicit port is another server (as browsers count
        # origins); on the web that is almost always the default port, so per host name.
        origin = f"{host_name}:{port}" if port else host_name
        host = self._hosts.get(origin)
        if host is None:
            host = _Host(self.config.max_per_host, self.config.min_host_interval)
            self._hosts[origin] = host
        refusal = self._private_literal(url)
        if refusal is not None:
            return _Failure(LinkStatus.EXCLUDED, _not_checked(refusal), private=True)
        transport = self.transports.for_server(origin, parts.scheme, host_name)
        headers = {**self.headers.get(host_name, {}), **self.headers.get(f"{host_name}:{port}", {})}
        config = self.config
        attempt = 0
        while True:
            failure: _Failure | None = None
            async with host.slots:
                # The interval spaces the checks a server receives. A follow-up within one
                # check (the GET after an unreliable HEAD, a redirect hop on the same server)
                # goes at once, as lychee's redirects do; a retry waits its turn like any other.
                if attempt or origin not in trace.servers:
                    await host.wait_turn()
                trace.servers.add(origin)
                async with self._in_flight:
                    if trace.started is None:
                        trace.started = time.monotonic()
                    trace.requests += 1
                    try:
                        # The deadline covers the whole exchange: a server that drips its
                        # headers or its body a byte at a time cannot hold a link longer.
                        async with asyncio.timeout(config.timeout):
                            response = await transport.handle_async_request(
                                self._build_request(method, url, headers)
                            )
                            await _finish(method, response, config.max_body_bytes)
                    except TimeoutError:
                        failure = _timed_out(config.timeout)
                    except Exception as exc:
                        failure = _describe_exception(exc, config.timeout)
            can_retry = attempt < config.max_retries
            attempt += 1
            if failure is not None:
                if failure.retryable and can_retry:
                    await asyncio.sleep(self._backoff(attempt))
                    continue
                return failure
            trace.responses += 1
            code = response.status_code
            if can_retry and _is_retryable_code(code) and code not in self.accept:
                now = time.time()
                wait = parse_retry_after(response.headers.get("Retry-After"), now)
                if wait is None:
                    wait = self._backoff(attempt)
                elif wait > config.max_retry_wait:
                    # Retrying sooner than asked would only earn another refusal.
                    limit = config.max_retry_wait
                    note = (
                        f"server asked to retry after {_seconds(wait)}, over the {limit:g}s "
                        f"limit; {retry_hint(wait, now)}"
                    )
                    return _Reply(code, None, note)
                if code == 429:
                    host.hold_off(wait)
                await asyncio.sleep(wait)
                continue
            return _Reply(code, response.headers.get("Location"))

    def _build_request(self, method: str, url: str, headers: dict[str, str]) -> httpx.Request:
        import httpx

        if self._timeout is None:
            timeout = self.config.timeout
            self._timeout = httpx.Timeout(timeout, connect=timeout * _CONNECT_SHARE).as_dict()
        merged = httpx.Headers(self._default_headers)
        merged.update(headers)
        return httpx.Request(method, url, headers=merged, extensions={"timeout": self._timeout})

    def _backoff(self, attempt: int) -> float:
        return min(self.config.max_retry_wait, self.config.backoff_base * 2 ** (attempt - 1))


async def _finish(method: str, response: httpx.Response, limit: int) -> None:
    """Close ``response``, first reading its body when that is cheap.

    A connection serves the next request only once the body before it has been read; closing
    early drops the connection, and every later request to that server pays for a new one.
    HEAD answers have no body; a GET body is read only when it declares at most ``limit``
    bytes, and never past them. A failure while reading changes nothing: the status line is
    the answer.
    """
    import httpx

    length = response.headers.get("Content-Length", "")
    small = length.isascii() and length.isdigit() and len(length) < 12 and int(length) <= limit
    if method == "HEAD" or small:
        try:
            await drain(response, limit)
        except httpx.HTTPError:
            pass
    await response.aclose()


def _check_code(code: int, text: object) -> int:
    if not _MIN_CODE <= code <= _MAX_CODE:
        raise ValueError(
            f"invalid accept entry {text!r}: status codes lie between {_MIN_CODE} and {_MAX_CODE}"
        )
    return code


def _compile_excludes(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    if isinstance(patterns, str):
        raise ValueError("excludes must be a list of patterns, not a single string")
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except (re.error, TypeError) as exc:
            raise ValueError(f"invalid exclude pattern {pattern!r}: {exc}") from None
    return compiled


def _without_fragment(url: str) -> str:
    # The fragment is never sent to the server, so page#a and page#b are one request.
    return url.split("#", 1)[0]


def _unusable_url(url: str) -> str:
    """Why ``url`` cannot be checked, or an empty string."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        return f"invalid URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = repr(scheme) if scheme else "none"
        return f"unsupported URL scheme {shown}: only http and https links are checked"
    if not parts.hostname:
        return "invalid URL: no host"
    # What the name lookup will do with the host: "a..b" has an empty label.
    problem = "" if private_host(parts.hostname) else http_url_problem(f"http://{parts.netloc}/")
    return f"invalid URL: {problem}" if problem else ""


def _timed_out(timeout: float) -> _Failure:
    message = f"no complete response within {timeout:g}s"
    return _Failure(LinkStatus.TIMEOUT, message, retryable=True)


def _not_checked(refusal: PrivateAddress) -> str:
    return f"not checked: {refusal}; set links.allow_private = true to check it"


def _seconds(wait: float) -> str:
    return f"{wait:.0f}s" if math.isfinite(wait) and wait < 1e12 else "an unbounded time"


def _is_retryable_code(code: int) -> bool:
    return code in (408, 429) or (500 <= code <= 599 and code not in _NOT_RETRIED_5XX)


def _describe_code(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _redirect_error(url: str, code: int, message: str) -> _Outcome:
    return _Outcome(final_url=url, failure=LinkStatus.ERROR, message=f"{message} (HTTP {code})")


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """``exc`` and everything it was raised from, including members of exception groups."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(getattr(current, "exceptions", ()))
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _describe_exception(exc: Exception, timeout: float) -> _Failure:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        # Retried, but also a sign of a missing network when every link does it.
        message = f"connection timed out after {timeout * _CONNECT_SHARE:g}s"
        return _Failure(LinkStatus.TIMEOUT, message, retryable=True, unreachable=True)
    if isinstance(exc, httpx.TimeoutException):
        return _timed_out(timeout)
    if isinstance(exc, httpx.ConnectError):
        return _describe_connect_error(exc)
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        message = f"connection dropped: {exc}" if str(exc) else "connection dropped"
        return _Failure(LinkStatus.ERROR, message, retryable=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | UnicodeError):
        return _Failure(LinkStatus.ERROR, f"invalid URL: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return _Failure(LinkStatus.ERROR, f"{type(exc).__name__}: {exc}")
    return _Failure(LinkStatus.ERROR, f"unexpected error: {exc!r}")


def _describe_connect_error(exc: Exception) -> _Failure:
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, PrivateAddress):
            return _Failure(LinkStatus.EXCLUDED, _not_checked(cause), private=True)
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            message = f"host not found (DNS lookup failed: {cause.strerror or cause})"
            return _Failure(LinkStatus.ERROR, message, unreachable=True)
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return _Failure(LinkStatus.ERROR, f"TLS error: {cause.reason or cause}")
        if isinstance(cause, ConnectionRefusedError):
            return _Failure(LinkStatus.ERROR, "connection refused")
        if isinstance(cause, ConnectionResetError):
            return _Failure(LinkStatus.ERROR, "connection reset while connecting", retryable=True)
    # Only now: a host with an address that refused (reached, so online) and another with no
    # route is not a sign of a missing network.
    for cause in causes:
        if isinstance(cause, OSError) and cause.errno in _UNREACHABLE_ERRNOS:
            return _Failure(LinkStatus.ERROR, f"network unreachable: {cause}", unreachable=True)
    return _Failure(LinkStatus.ERROR, f"connection failed: {exc}")


def _cacheable(result: LinkResult) -> bool:
    # Only answers that will still hold tomorrow: no errors, timeouts or rate limits.
    cacheable = (LinkStatus.OK, LinkStatus.REDIRECT, LinkStatus.DEAD)
    return result.status in cacheable and result.code is not None and result.code != 429


def _cache_value(outcome: _Outcome) -> dict[str, object]:
    return {
        "code": outcome.code,
        "final_url": outcome.final_url,
        "moved_to": outcome.moved_to,
        "note": outcome.note,
    }


def _outcome_from_cache(value: object) -> _Outcome | None:
    if not isinstance(value, dict):
        return None
    code, final_url = value.get("code"), value.get("final_url")
    moved_to, note = value.get("moved_to"), value.get("note", "")
    if isinstance(code, bool) or not isinstance(code, int) or not isinstance(note, str):
        return None
    if not all(item is None or isinstance(item, str) for item in (final_url, moved_to)):
        return None
    return _Outcome(code=code, final_url=final_url, moved_to=moved_to, note=note)
