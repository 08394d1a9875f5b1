"""bench/run.py still runs end to end on a tiny workload, and its workloads stay reproducible.

No timing is asserted anywhere: the benchmark's numbers live in bench/RESULTS.md.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def _workloads():
    spec = importlib.util.spec_from_file_location("bench_workloads", BENCH / "workloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return sys.modules[spec.name]


def _rows(stdout: str) -> dict[tuple[str, str], list[str]]:
    """Table rows keyed by (comparison, task), each the list of its cells."""
    rows = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) > 3 and cells[0] != "comparison":
            rows[(cells[0], cells[2])] = cells
    return rows


def test_smoke_run_prints_and_writes_the_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmarks\n\nHand-written analysis stays.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--work", str(tmp_path / "work")]
        + ["--write", str(results)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    rows = _rows(proc.stdout)
    assert ("startup", "--help") in rows
    lint = rows[("lint-100", "lint, no spelling")]
    assert lint[1] == "blogtool" and lint[3] == "1" and int(lint[4]) >= 100
    links = next(cells for key, cells in rows.items() if key[0] == "links")
    requests = re.search(r"\((\d+) requests\)", links[2])
    assert requests and int(requests.group(1)) > 0, "the local link servers were never asked"
    written = results.read_text(encoding="utf-8")
    assert "Hand-written analysis stays." in written
    assert "<!-- bench:begin -->" in written and "| lint-100 | blogtool |" in written


def test_workloads_depend_only_on_the_seed() -> None:
    wl = _workloads()
    draft = wl.build_draft(400, seed=7)
    assert draft == wl.build_draft(400, seed=7)
    assert draft != wl.build_draft(400, seed=8)
    assert draft.count("\n") >= 400
    assert draft.startswith("---\n")  # the sample's front matter, once


def test_copies_of_the_sample_are_varied() -> None:
    wl = _workloads()
    sample = wl.SAMPLE.read_text(encoding="utf-8")
    draft = wl.build_draft(3 * sample.count("\n"), seed=1)
    paragraphs = [p for p in draft.split("\n\n") if p[:1].isalpha() and len(p) > 80]
    assert len(set(paragraphs)) > 0.9 * len(paragraphs)
    assert "## 2014 (2)" in draft  # a second copy, its headings numbered


def test_link_workload_reaches_only_the_local_servers() -> None:
    wl = _workloads()
    servers = ["127.0.0.1:41001", "127.0.0.2:41002"]
    text = wl.build_link_draft(1500, seed=1, servers=servers)
    urls = re.findall(r"https?://[^\s)>\]]+", text)
    assert urls and all(u.startswith(tuple(f"http://{s}/" for s in servers)) for u in urls)
    kinds = {u.split("/")[3] for u in urls}
    assert {"ok", "missing"} <= kinds


def test_link_workload_holds_the_links_asked_for_spread_over_the_servers() -> None:
    wl = _workloads()
    servers = [f"127.0.0.{i}:{41000 + i}" for i in range(1, 21)]
    text = wl.build_link_draft(1500, seed=1, servers=servers, links=1000)
    assert text == wl.build_link_draft(1500, seed=1, servers=servers, links=1000)
    urls = wl.unique_urls(text)
    assert len(urls) == 1000
    per_server = [sum(1 for u in urls if u.startswith(f"http://{s}/")) for s in servers]
    assert min(per_server) >= 40 and max(per_server) <= 60, per_server


def test_a_foreign_host_in_a_link_workload_is_refused() -> None:
    wl = _workloads()
    with pytest.raises(ValueError, match="other hosts"):
        wl.assert_only_local("see [x](http://127.0.0.1:1/ok/1) and https://example.org/")
