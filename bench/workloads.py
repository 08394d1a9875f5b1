"""Benchmark inputs, generated from drafts/evolution.md and a seed: the same seed, the same bytes.

Nothing generated here is committed; ``bench/run.py`` writes it under ``bench/.work/``.

A long draft is the sample's front matter and introduction followed by its year and paper
sections, repeated until the draft is long enough. Each copy is varied so that a draft reads
like a longer post rather than one post pasted ten times, and so that the spelling cache
cannot answer a copy from the paragraph it copies:

* headings get the copy's number, so sections are not duplicates of each other;
* a prose line of plain sentences (no math, code or link) has its sentences shuffled;
* prose lines gain an opening or closing sentence from fixed lists, and some get one typo
  (two inner letters of a long word swapped), outside math, code and links.

The link workload is a draft whose every link target points at the benchmark's own HTTP
servers on loopback addresses 127.0.0.N (answering 200, 404, 301 or 302), so no tool
contacts any other host; a reading list at its end brings it to the number of distinct
links asked for, spread evenly over the servers.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "drafts" / "evolution.md"

_SECTION = re.compile(r"^#{2,3} ", re.M)
# Inline math, inline code, links and autolinks: never touched by the variations.
_PROTECTED = re.compile(r"(\$[^$\n]*\$|`[^`\n]*`|!?\[[^\]\n]*\]\([^)\n]*\)|<[^>\n]*>|https?://\S+)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LIST_MARKER = re.compile(r"((?:[-*+] |\d+\. |> )?)(.*)", re.S)
_WORD = re.compile(r"\b[a-z]{7,}\b")
_OPENERS = (
    "This part is short.",
    "Bear with the notation here.",
    "The idea is simple.",
    "Here the details matter.",
    "Read this part slowly.",
    "This is the core of the paper.",
    "The setup is standard.",
    "Nothing here is exotic.",
    "The next step is the important one.",
    "The authors are explicit about this.",
    "This is where the gains come from.",
    "The reasoning is worth following.",
)
_CLOSERS = (
    "We come back to this point later.",
    "The paper itself has the details.",
    "That choice turned out to matter.",
    "Later work kept this design.",
    "The ablations make the same case.",
    "Few people noticed it at first.",
    "The code release helped a great deal.",
    "This is easy to miss on a first reading.",
    "Most follow-up papers cite this result.",
    "The numbers are worth reading twice.",
    "It is a small change with large effects.",
    "The appendix spells out the setup.",
)


@dataclass(frozen=True)
class Workload:
    """Files to give every tool in one comparison, all below ``root``."""

    name: str
    root: Path
    files: tuple[Path, ...]
    lines: int


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator of its own for each (seed, parts): independent of call order."""
    key = "\x00".join(map(str, (seed, *parts))).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def split_sample(text: str) -> tuple[str, list[str]]:
    """The sample's head (front matter and introduction) and its ``##``/``###`` sections."""
    starts = [m.start() for m in _SECTION.finditer(text)]
    bounds = zip(starts, [*starts[1:], len(text)], strict=True)
    return text[: starts[0]], [text[a:b] for a, b in bounds]


def _typo(segment: str, rng: random.Random) -> str:
    words = list(_WORD.finditer(segment))
    if not words:
        return segment
    m = rng.choice(words)
    word = m.group(0)
    i = rng.randrange(1, len(word) - 2)
    if word[i] == word[i + 1]:
        return segment
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return segment[: m.start()] + swapped + segment[m.end() :]


def vary_line(line: str, rng: random.Random) -> str:
    """One prose line, changed: sentences shuffled when safe, an opening or closing
    sentence added, sometimes a typo; always at least one change."""
    pieces = _PROTECTED.split(line)
    if len(pieces) == 1:
        sentences = _SENTENCE_END.split(line)
        if len(sentences) > 1:
            rng.shuffle(sentences)
            pieces = [" ".join(sentences)]
    if rng.random() < 0.15:
        texts = [i for i in range(0, len(pieces), 2) if _WORD.search(pieces[i])]
        if texts:
            i = rng.choice(texts)
            pieces[i] = _typo(pieces[i], rng)
    out = "".join(pieces).rstrip()
    if out.endswith(".") and rng.random() < 0.7:
        out += " " + rng.choice(_CLOSERS)
    if out == line.rstrip() or rng.random() < 0.5:
        out = rng.choice(_OPENERS) + " " + out
    return out


def vary_section(section: str, copy: int, rng: random.Random) -> str:
    """A section with its heading numbered by ``copy`` and its prose lines varied."""
    title, _, body = section.partition("\n")
    out = [f"{title} ({copy})" if copy > 1 else title]
    fenced = math = False
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif stripped == "$$":
            math = not math
        elif not fenced and not math and len(line) > 40:
            marker, rest = _LIST_MARKER.match(line).groups()
            if rest[:1].isalnum() or rest.startswith("**"):
                line = marker + vary_line(rest, rng)
        out.append(line)
    return "\n".join(out)


def build_draft(target_lines: int, seed: int, sample: str | None = None) -> str:
    """A draft of at least ``target_lines`` lines, ending at a section boundary."""
    text = SAMPLE.read_text(encoding="utf-8") if sample is None else sample
    head, sections = split_sample(text)
    parts, lines, copy = [head], head.count("\n"), 0
    while True:
        copy += 1
        for index, section in enumerate(sections):
            chunk = vary_section(section, copy, rng_for(seed, copy, index))
            parts.append(chunk)
            # the lines the draft would have if it ended here, its trailing blank lines cut
            if lines + chunk.rstrip("\n").count("\n") + 1 >= target_lines:
                return "".join(parts).rstrip("\n") + "\n"
            lines += chunk.count("\n")


def edit_one_paragraph(draft: str, seed: int) -> str:
    """The draft with one prose paragraph changed, as in a commit that fixes one sentence."""
    lines = draft.split("\n")
    candidates = [i for i, line in enumerate(lines) if line[:1].isalpha() and len(line) > 80]
    i = rng_for(seed, "edit").choice(candidates)
    lines[i] = lines[i].rstrip() + " I rewrote this sentence in the last commit."
    return "\n".join(lines)


# ---- links -------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s)<>\]\"']+")
_LINK_TARGET = re.compile(r"(\]\()([^)\s]*)(\))")
_BARE_DOMAIN = re.compile(r"\b(?:www\.)?[\w-]+\.(?:com|org|io|ai|net|dev|edu|co|me|html?)\b")
# Loopback addresses only: 127.0.0.N with a port. Each address is a host of its own to every
# tool (lychee paces per host name, ignoring the port), so N servers are N polite queues.
_LOCAL = re.compile(r"http://127\.0\.0\.\d{1,3}:\d+/\S*")
STATUS_PATHS = (("ok", 0.78), ("missing", 0.12), ("moved", 0.05), ("found", 0.05))


def _answer_kind(rng: random.Random) -> str:
    """What a local URL answers (a path prefix of STATUS_PATHS), drawn by its weights."""
    return rng.choices([k for k, _ in STATUS_PATHS], [w for _, w in STATUS_PATHS])[0]


def local_url(original: str, copy: int, servers: Sequence[str], seed: int) -> str:
    """The local URL standing for ``original`` in copy ``copy``: a server and an answer.

    ``servers`` are ``address:port`` strings of the benchmark's HTTP servers.
    """
    rng = rng_for(seed, "url", copy, original)
    kind = _answer_kind(rng)
    number = int(hashlib.sha256(f"{copy}:{original}".encode()).hexdigest()[:8], 16) % 100_000
    fragment = "#intro" if "#" in original else ""
    return f"http://{rng.choice(servers)}/{kind}/{number}{fragment}"


def unique_urls(text: str) -> set[str]:
    """The distinct local URLs of a link workload, fragments dropped (one request each)."""
    return {url.split("#", 1)[0].rstrip(".,;") for url in _LOCAL.findall(text)}


def build_link_draft(
    target_lines: int, seed: int, servers: Sequence[str], links: int | None = None
) -> str:
    """A draft whose every URL and link target is on the local servers (``#anchors`` kept).

    With ``links``, a reading list is appended whose entries are spread evenly over the
    servers until the draft holds that many distinct URLs (the draft's own are fewer).
    """
    draft = build_draft(target_lines, seed)
    out: list[str] = []
    copy = 0
    for line in draft.split("\n"):
        if line.startswith("## "):
            copy += 1

        def target(m: re.Match[str], copy: int = copy) -> str:
            url = m.group(2)
            if url.startswith("#") or _LOCAL.fullmatch(url):
                return m.group(0)
            return m.group(1) + local_url(url or "empty", copy, servers, seed) + m.group(3)

        line = _URL.sub(lambda m, copy=copy: local_url(m.group(0), copy, servers, seed), line)
        line = _LINK_TARGET.sub(target, line)
        out.append(line)
    text = "\n".join(out)
    # Domain names typed in prose would be found by tools that read plain text: rename them.
    pieces = _LOCAL.split(text)
    urls = _LOCAL.findall(text)
    pieces = [_BARE_DOMAIN.sub(lambda m: m.group(0).replace(".", "-"), p) for p in pieces]
    text = "".join(p + u for p, u in zip(pieces, [*urls, ""], strict=True))
    if links is not None:
        text = _with_reading_list(text, links, servers, seed)
    assert_only_local(text)
    return text


def _with_reading_list(text: str, links: int, servers: Sequence[str], seed: int) -> str:
    have = len(unique_urls(text))
    if have > links:
        raise ValueError(f"the draft alone has {have} distinct links, more than {links}")
    rng = rng_for(seed, "reading list")
    entries = ["", "## Reading list", ""]
    for i in range(links - have):
        kind = _answer_kind(rng)
        # Numbers from 100,000 up never collide with the draft's own (below 100,000).
        url = f"http://{servers[i % len(servers)]}/{kind}/{100_000 + i}"
        entries.append(f"- [Further reading {i + 1}]({url}): worth a look after this post.")
    return text.rstrip("\n") + "\n" + "\n".join(entries) + "\n"


def assert_only_local(text: str) -> None:
    """Refuse a workload that names any host but a loopback address 127.0.0.N."""
    foreign = [u for u in _URL.findall(text) if not _LOCAL.match(u)]
    foreign += re.findall(r"\bwww\.\S+", text)
    foreign += [u for u in re.findall(r"\b[a-z][a-z0-9+.-]*://\S+", text) if not _LOCAL.match(u)]
    if foreign:
        raise ValueError(f"link workload would reach other hosts: {foreign[:5]}")


# ---- writing -----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def count_lines(paths: Sequence[Path]) -> int:
    return sum(p.read_text(encoding="utf-8").count("\n") for p in paths)


def make_workload(root: Path, name: str, drafts: dict[str, str]) -> Workload:
    """Write ``drafts`` (file name -> text) below ``root/name``."""
    folder = root / name
    files = tuple(write(folder / file, text) for file, text in drafts.items())
    return Workload(name, folder, files, sum(t.count("\n") for t in drafts.values()))


def generate(root: Path, seed: int, smoke: bool = False) -> dict[str, Workload]:
    """The lint and spelling workloads (links need the servers' ports: see build_link_draft)."""
    if smoke:
        return {"draft-100": make_workload(root, "draft-100", {"draft.md": build_draft(100, seed)})}
    many = {f"draft-{i:02d}.md": build_draft(3000, seed * 1000 + i) for i in range(50)}
    draft_3k = build_draft(3000, seed)
    return {
        "draft-3k": make_workload(root, "draft-3k", {"draft.md": draft_3k}),
        "drafts-50x3k": make_workload(root, "drafts-50x3k", many),
        "draft-30k": make_workload(root, "draft-30k", {"draft.md": build_draft(30000, seed)}),
        "edited-3k": make_workload(
            root, "edited-3k", {"draft.md": edit_one_paragraph(draft_3k, seed)}
        ),
    }


def uniqueness(paths: Sequence[Path]) -> float:
    """The share of paragraphs that occur once across ``paths``: how much a cache can reuse."""
    seen: dict[str, int] = {}
    for path in paths:
        for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            if para.strip():
                seen[para] = seen.get(para, 0) + 1
    total = sum(seen.values())
    return sum(1 for n in seen.values() if n == 1) / total if total else 1.0
