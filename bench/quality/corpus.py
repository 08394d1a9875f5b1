"""Posts to plant defects into and to measure false alarms on.

A corpus comes from a directory of Markdown files, one file, or a bare git directory (a
``fetch`` snapshot) read at HEAD, optionally narrowed to a folder: ``PATH:SUBDIR``. Nothing
is copied out of a git directory; posts are read with ``git show``, so a snapshot is never
checked out.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".md", ".mdx", ".markdown")
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXCERPTS = HERE / "corpus"
SAMPLE_DRAFT = REPO / "drafts" / "evolution.md"

# Drafts hold defects on purpose: they host planted defects but are not counted as
# published text when false alarms are measured.
PUBLISHED = "published"
DRAFT = "draft"


@dataclass(frozen=True)
class Post:
    corpus: str
    name: str
    text: str

    @property
    def lines(self) -> int:
        return len(self.text.splitlines())

    @property
    def half(self) -> str:
        """``tuning`` or ``held-out``, fixed by the post's name so it never moves."""
        return split_half(f"{self.corpus}/{self.name}")


@dataclass(frozen=True)
class Corpus:
    name: str
    source: str
    commit: str  # empty when the source is not a git directory
    kind: str  # PUBLISHED or DRAFT
    posts: tuple[Post, ...]

    @property
    def lines(self) -> int:
        return sum(p.lines for p in self.posts)


def split_half(key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return "tuning" if digest[0] % 2 == 0 else "held-out"


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args],
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
    ).stdout


def _corpus_name(path: Path, subdir: str) -> str:
    # /work/.mirror/owner+name/repo -> owner/name
    base = path.parent.name if path.name == "repo" else path.name
    base = base.replace("+", "/")
    return f"{base}:{subdir}" if subdir else base


def load(spec: str, kind: str = PUBLISHED, limit: int = 0) -> Corpus:
    """The corpus ``spec`` names: ``PATH`` or ``PATH:SUBDIR``; at most ``limit`` posts if set."""
    path_part, _, subdir = spec.partition(":")
    path = Path(path_part).expanduser()
    if not path.exists():
        raise SystemExit(f"corpus {spec}: no such path")
    subdir = subdir.strip("/")
    if _is_git_dir(path):
        commit = _git(path, "rev-parse", "HEAD").strip()
        listing = _git(path, "ls-tree", "-r", "--name-only", "HEAD", *([subdir] if subdir else []))
        names = sorted(
            n
            for n in listing.splitlines()
            if n.lower().endswith(SUFFIXES) and Path(n).stem.upper() != "README"
        )
        names = names[:limit] if limit else names
        posts = tuple(
            Post(
                _corpus_name(path, subdir),
                n[len(subdir) + 1 :] if subdir else n,
                _normalise(_git(path, "show", f"HEAD:{n}")),
            )
            for n in names
        )
        return Corpus(_corpus_name(path, subdir), spec, commit, kind, posts)
    root = path / subdir if subdir else path
    files = (
        [root]
        if root.is_file()
        else sorted(
            p for p in root.rglob("*") if p.suffix in SUFFIXES and p.stem.upper() != "README"
        )
    )
    files = files[:limit] if limit else files
    name = root.name if root.is_dir() else root.stem
    posts = tuple(
        Post(name, str(f.relative_to(root)) if root.is_dir() else f.name, _read(f)) for f in files
    )
    return Corpus(name, spec, "", kind, posts)


def _read(path: Path) -> str:
    return _normalise(path.read_text(encoding="utf-8", errors="replace"))


def defaults() -> list[Corpus]:
    """What runs without any snapshot: the committed excerpts and the sample draft."""
    out = []
    if any(EXCERPTS.glob("*.md")):
        excerpts = load(str(EXCERPTS))
        out.append(
            Corpus("committed excerpts", "bench/quality/corpus", "", PUBLISHED, excerpts.posts)
        )
    if SAMPLE_DRAFT.is_file():
        out.append(
            Corpus("sample draft", "drafts/evolution.md", "", DRAFT, load(str(SAMPLE_DRAFT)).posts)
        )
    return out
