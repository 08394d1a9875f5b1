"""Per-edit latency of ``blogtool server``: from a didChange to its publishDiagnostics.

``python bench/server_latency.py`` starts the server as an editor would (a subprocess on
stdio), opens the 3,000-line workload draft (``workloads.build_draft``, seed 1), then types
into one paragraph of it, edit after edit: each edit adds a sentence with a new misspelling,
so the spelling of the changed paragraph is never answered from the cache, while every other
paragraph is. It prints the latency of each configuration: spelling and grammar only
(BT601, BT602), and every offline rule.

The server's debounce (200 ms by default: it waits for typing to pause) is set to 0 here,
so the numbers are the work an edit costs; an editor sees them plus the debounce.

    python bench/server_latency.py                   # 20 edits per configuration
    python bench/server_latency.py --edits 50 --lines 3000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the stdio client the server's tests use

from workloads import build_draft  # noqa: E402

from blogtool.server import PositionMap  # noqa: E402
from lsp_client import LspClient  # noqa: E402

CONFIGS = {
    "spelling and grammar (BT601, BT602)": 'select = ["BT601", "BT602"]\n',
    "all offline rules": "",
}


def target_line(lines: list[str]) -> int:
    """A long prose line in the middle of the draft: the paragraph being edited."""
    middle = len(lines) // 2
    for i in range(middle, len(lines)):
        if lines[i][:1].isalpha() and len(lines[i]) > 80:
            return i
    raise SystemExit("no prose line to edit")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(config: str, text: str, edits: int) -> tuple[float, list[float], list[float]]:
    """(seconds to the first diagnostics after didOpen, wall and CPU seconds per edit)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "blogtool.toml").write_text(config, encoding="utf-8")
        draft = root / "draft.md"
        draft.write_text(text, encoding="utf-8")
        client = LspClient(root, {"BLOGTOOL_CACHE_DIR": str(root / "cache")})
        try:
            client.initialize(root, {"debounceMs": 0})
            uri = draft.as_uri()
            began = time.perf_counter()
            client.open(uri, text)
            client.diagnostics(uri, 1)
            cold = time.perf_counter() - began
            lines = text.split("\n")
            line = target_line(lines)
            column = len(PositionMap(lines[line]).text.encode("utf-16-le")) // 2
            times, cpu = [], []
            for k in range(edits):
                sentence = f" Anoter sentense, numbr {k}, writen in hast."
                client.change(
                    uri,
                    k + 2,
                    [
                        {
                            "range": {
                                "start": {"line": line, "character": column},
                                "end": {"line": line, "character": column},
                            },
                            "text": sentence,
                        }
                    ],
                )
                began, used = time.perf_counter(), cpu_seconds(client.proc.pid)
                client.diagnostics(uri, k + 2)
                times.append(time.perf_counter() - began)
                cpu.append(cpu_seconds(client.proc.pid) - used)
                column += len(sentence)
            client.close()
        finally:
            client.kill()
    return cold, times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    text = build_draft(args.lines, args.seed)
    print(f"draft: {text.count(chr(10))} lines; {args.edits} edits per configuration")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| rules | first lint (cold) | per edit: median | min | max | server CPU per edit |")
    print("|---|---|---|---|---|---|")
    for name, config in CONFIGS.items():
        cold, times, cpu = measure(config, text, args.edits)
        print(
            f"| {name} | {ms(cold)} | {ms(statistics.median(times))} | {ms(min(times))} "
            f"| {ms(max(times))} | {ms(statistics.median(cpu))} |"
        )
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    main()
