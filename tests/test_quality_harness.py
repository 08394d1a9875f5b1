"""The quality harness (bench/quality) plants a defect, lints in-process and counts it.

Runs the harness on one tiny post and tiny family files, without spelling: behaviour only
(which plantings count as found), never timing. The real numbers live in bench/QUALITY.md.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench/ is not installed: import it from the checkout

from bench.quality.plant import choose, places, plant  # noqa: E402
from bench.quality.variants import parse  # noqa: E402

POST = """# A short post

The Transformer drops recurrence and relies on attention alone.

## Method

Each layer mixes tokens with attention and then applies a feed-forward block.

## Results

The model beats the recurrent baselines on translation.
"""

FAMILY = """family: placeholders
title: Placeholders
expect: BT102 BT103
===
[ADD_IMAGE_OF_BERT]
"""

# A variant that no rule can flag: it must count as missed, or the harness counts anything.
HARMLESS = """family: harmless
title: Harmless
expect: BT102
===
The encoder has six layers.
"""

SLIPS = """family: slips
expect: BT505
=== kind=unclosed-code-fence
```python
x = 1
"""


def _run(tmp_path: Path, families: dict[str, str]) -> tuple[dict, str]:
    corpus = tmp_path / "posts"
    corpus.mkdir()
    (corpus / "post.md").write_text(POST, encoding="utf-8")
    defects = tmp_path / "defects"
    defects.mkdir()
    for name, text in families.items():
        (defects / name).write_text(text, encoding="utf-8")
    out = tmp_path / "QUALITY.md"
    out.write_text("# Quality\n\nHand-written reading.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.quality", "--no-default-corpus", "--corpus", str(corpus)]
        + ["--defects", str(defects), "--no-spelling", "--replicas", "2", "-j", "1"]
        + ["--write", str(out), "--json", str(tmp_path / "out.json"), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp_path / "out.json").read_text()), out.read_text(encoding="utf-8")


def test_a_planted_placeholder_is_found_and_reported(tmp_path: Path) -> None:
    data, written = _run(tmp_path, {"01.txt": FAMILY, "slips.txt": SLIPS})
    plain = [o for o in data["outcomes"] if not o["slip"]]
    assert len(plain) == 2 and all(o["found"] for o in plain)
    slipped = [o for o in data["outcomes"] if o["slip"]]
    assert [o["slip"] for o in slipped] == ["unclosed-code-fence"] * 2
    assert all(o["slip_found"] for o in slipped)
    assert "Hand-written reading." in written
    assert "| Placeholders | BT102, BT103 |" in written
    assert "100% (2/2)" in written


def test_a_defect_no_rule_reports_counts_as_missed(tmp_path: Path) -> None:
    data, written = _run(tmp_path, {"01.txt": HARMLESS})
    assert [o["found"] for o in data["outcomes"]] == [False, False]
    assert "0% (0/2)" in written


def test_planting_is_reproducible_and_keeps_the_host() -> None:
    variant = parse(FAMILY).variants[0]
    where = places(POST)
    spots = [choose(random.Random("seed"), where, variant) for _ in range(2)]
    assert spots[0] == spots[1]
    at, _ = spots[0]
    planted = plant(POST, variant, at)
    lines = planted.text.split("\n")
    first, last = planted.window
    assert lines[first - 1 : last] == ["[ADD_IMAGE_OF_BERT]"]
    host = [line for n, line in enumerate(lines, 1) if planted.host_line(n) is not None]
    assert host == POST.split("\n")


def test_places_skip_code_math_and_front_matter() -> None:
    text = "---\ntitle: x\n---\n\nIntro.\n\n```\n\nin code\n```\n\n$$\n\nx\n$$\n\nOutro.\n"
    lines = text.split("\n")
    starts = [lines[i] for i in places(text).boundaries]
    assert starts == ["Intro.", "```", "$$", "Outro."]


def test_marks_make_a_finding_count_only_on_the_marked_word() -> None:
    family = parse("family: s\nexpect: BT601\n=== inline\nThe ⟦modle⟧ learns.\n")
    variant = family.variants[0]
    assert variant.text == "The modle learns."
    planted = plant("Some prose line that ends here.\n", variant, 0)
    assert planted.marks == ((1, 36, 41),)
