"""The spelling-quality corpus: published ML posts, split once into a tuning and a held-out half.

The posts are not committed (their authors keep the copyright); ``manifest.tsv`` names each
one by repository, commit and path, and ``prepare`` copies them out of local bare clones
(``--mirrors``, one ``owner+name/repo`` git directory per repository, as the ``fetch`` tool
of the development sessions leaves them) into ``corpus/<blog>/<file>``.

The half a post belongs to is decided by a hash of its repository and path, never by
looking at what the linter says about it: ``tune`` posts may be read while changing
blogtool, ``held-out`` posts only to measure. The author's own drafts
(``/work/shared/drafts-real``, ``--drafts``) are split the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.tsv"
DEFAULT_CORPUS = HERE / "corpus"
DEFAULT_MIRRORS = Path("/work/.mirror")
DEFAULT_DRAFTS = Path("/work/shared/drafts-real")
DRAFTS_BLOG = "drafts-real"


@dataclass(frozen=True)
class Post:
    blog: str
    repository: str
    commit: str
    path: str

    @property
    def name(self) -> str:
        """The file's name inside ``corpus/<blog>/``: the path with slashes as ``__``."""
        return self.path.replace("/", "__")

    @property
    def key(self) -> str:
        """How typo and grammar labels name the post: ``blog/name``."""
        return f"{self.blog}/{self.name}"

    @property
    def half(self) -> str:
        return half_of(f"{self.repository}/{self.path}")


def half_of(identity: str) -> str:
    """``tune`` or ``held-out``, from a hash of where the post comes from."""
    return "tune" if hashlib.sha256(identity.encode()).digest()[0] % 2 == 0 else "held-out"


def read_manifest(path: Path = MANIFEST) -> list[Post]:
    posts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            blog, repository, commit, file_path = line.split("\t")
            posts.append(Post(blog, repository, commit, file_path))
    return posts


def draft_posts(drafts: Path = DEFAULT_DRAFTS) -> list[Post]:
    """The author's drafts, as posts of a blog of their own (no repository, no commit)."""
    if not drafts.is_dir():
        return []
    return [
        Post(DRAFTS_BLOG, "shared/drafts-real", "-", p.name)
        for p in sorted(drafts.glob("*.md"))
        if p.name != "README.md"
    ]


def prepare(corpus: Path, mirrors: Path, drafts: Path) -> int:
    missing = 0
    for post in read_manifest():
        git_dir = mirrors / post.repository.replace("/", "+") / "repo"
        target = corpus / post.blog / post.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shown = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{post.commit}:{post.path}"],
            capture_output=True,
        )
        if shown.returncode != 0:
            print(
                f"missing: {post.repository} {post.path} (no clone at {git_dir}?)", file=sys.stderr
            )
            missing += 1
            continue
        target.write_bytes(shown.stdout)
    for post in draft_posts(drafts):
        target = corpus / post.blog / post.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(drafts / post.path, target)
    return missing


def corpus_posts(corpus: Path, drafts: Path = DEFAULT_DRAFTS) -> list[tuple[Post, Path]]:
    """Every post of the manifest (and draft) present under ``corpus``, with its file."""
    found = []
    for post in [*read_manifest(), *draft_posts(drafts)]:
        file = corpus / post.blog / post.name
        if file.is_file():
            found.append((post, file))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--drafts", type=Path, default=DEFAULT_DRAFTS)
    args = parser.parse_args(argv)
    missing = prepare(args.corpus, args.mirrors, args.drafts)
    posts = corpus_posts(args.corpus, args.drafts)
    for half in ("tune", "held-out"):
        files = [f for p, f in posts if p.half == half]
        lines = sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files)
        print(f"{half}: {len(files)} posts, {lines} lines")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
