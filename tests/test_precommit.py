"""pre-commit integration: the hooks of .pre-commit-hooks.yaml, run by real git and pre-commit.

Each test makes a throwaway blog repository with its own PRE_COMMIT_HOME and git config. Most
run the hook as ``repo: local`` / ``language: system`` with this interpreter's blogtool, so a
commit costs about a second; the ``slow`` test lets pre-commit build the hook's own environment
from this checkout with pip, as a user's ``repo:``/``rev:`` entry would.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("pre_commit")
yaml = pytest.importorskip("yaml")  # a dependency of pre-commit

if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

PLACEHOLDER = "# Post\n\nIntro.\n\n[ADD_IMAGE]\n\nMore text.\n"  # BT102 (error) on line 5
CLEAN = "# Post\n\nIntro.\n\nMore text.\n"
# BT205 (warning) on line 5 in a Jekyll blog: kramdown leaves a bare URL as text
BARE_URL = "# Post\n\nIntro.\n\nSee https://example.com for more.\n"


def manifest_hook(hook_id: str) -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(dict(hook) for hook in hooks if hook["id"] == hook_id)


def local_hook(hook_id: str = "blogtool-lint", **overrides: object) -> dict:
    """A hook of .pre-commit-hooks.yaml as it is, but run by this interpreter's blogtool."""
    hook = manifest_hook(hook_id)
    command = shlex.split(hook["entry"])
    assert command[0] == "blogtool", hook["entry"]
    hook["entry"] = shlex.join([sys.executable, "-m", "blogtool.cli", *command[1:]])
    hook["language"] = "system"
    hook.update(overrides)
    return hook


class BlogRepo:
    """A temporary git repository with pre-commit installed as its pre-commit hook."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            args,
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{shlex.join(args)} exited {proc.returncode}:\n{proc.stdout}")
        return proc

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, check=check)

    def pre_commit(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return self.run(*PRE_COMMIT, *args, check=check)

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def configure(self, *hooks: dict) -> None:
        """Commit a config with these ``repo: local`` hooks (pre-commit refuses an unstaged one)."""
        config = {"repos": [{"repo": "local", "hooks": list(hooks)}]}
        self.write(".pre-commit-config.yaml", yaml.safe_dump(config, sort_keys=False))
        self.git("add", ".pre-commit-config.yaml")
        self.git("commit", "-q", "--no-verify", "-m", "pre-commit config")

    def commit(self, *names: str) -> subprocess.CompletedProcess[str]:
        """Stage ``names`` and ``git commit``; the hook's output is in ``stdout``."""
        self.git("add", "--", *names)
        return self.git("commit", "-m", "edit drafts", check=False)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").stdout.strip()

    def committed(self, name: str) -> str:
        return self.git("show", f"HEAD:{name}").stdout


@pytest.fixture
def hermetic_env(tmp_path: Path) -> dict[str, str]:
    """No user or system git config, no GIT_* from a surrounding hook, a private pre-commit home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("", encoding="utf-8")
    env.update(
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    return env


@pytest.fixture
def new_repo(tmp_path: Path, hermetic_env: dict[str, str]) -> Callable[..., BlogRepo]:
    def make(*hooks: dict, name: str = "blog") -> BlogRepo:
        root = tmp_path / name
        root.mkdir()
        repo = BlogRepo(root, hermetic_env)
        repo.git("init", "-q")
        repo.git("config", "user.name", "Test Author")
        repo.git("config", "user.email", "author@example.invalid")
        repo.git("config", "commit.gpgsign", "false")
        # Without a config of its own, blogtool would look for one in the directories above.
        repo.write("blogtool.toml", "")
        repo.git("add", "blogtool.toml")
        repo.git("commit", "-q", "--no-verify", "-m", "blogtool config")
        if hooks:
            repo.configure(*hooks)
            repo.pre_commit("install", check=True)
        return repo

    return make


@pytest.fixture
def blog(new_repo: Callable[..., BlogRepo]) -> BlogRepo:
    return new_repo(local_hook())


def test_error_blocks_the_commit_and_says_where(blog: BlogRepo) -> None:
    before = blog.head()
    blog.write("drafts/post.md", PLACEHOLDER)
    proc = blog.commit("drafts/post.md")
    assert proc.returncode != 0, proc.stdout
    assert "blogtool lint" in proc.stdout and "Failed" in proc.stdout
    assert "drafts/post.md:5:1: BT102" in proc.stdout
    assert blog.head() == before
    assert blog.git("diff", "--cached", "--name-only").stdout.split() == ["drafts/post.md"]


def test_clean_draft_is_committed(blog: BlogRepo) -> None:
    before = blog.head()
    blog.write("drafts/post.md", CLEAN)
    proc = blog.commit("drafts/post.md")
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout
    assert blog.head() != before
    assert blog.committed("drafts/post.md") == CLEAN


def test_warning_is_printed_and_the_commit_goes_through(blog: BlogRepo) -> None:
    before = blog.head()
    blog.write("_config.yml", "title: A Jekyll blog\n")
    blog.write("drafts/post.md", BARE_URL)
    proc = blog.commit("_config.yml", "drafts/post.md")
    assert proc.returncode == 0, proc.stdout
    assert blog.head() != before
    # The hook is verbose, or pre-commit would swallow the output of a passing hook.
    assert "drafts/post.md:5:5: BT205" in proc.stdout


def test_work_in_progress_commits_with_its_todos_while_a_post_about_to_ship_is_blocked(
    blog: BlogRepo,
) -> None:
    unpublished = "---\ntitle: Post\npublished: false\n---\n" + PLACEHOLDER
    blog.write("_drafts/post.md", PLACEHOLDER)
    blog.write("_posts/2025-01-01-later.md", unpublished)
    before = blog.head()
    proc = blog.commit("_drafts/post.md", "_posts/2025-01-01-later.md")
    assert proc.returncode == 0, proc.stdout
    assert blog.head() != before
    assert "_drafts/post.md:5:1: BT102" in proc.stdout  # still said, as a warning
    assert "_posts/2025-01-01-later.md:9:1: BT102" in proc.stdout

    blog.write("_posts/2025-01-01-later.md", PLACEHOLDER)  # the draft is published
    before = blog.head()
    proc = blog.commit("_posts/2025-01-01-later.md")
    assert proc.returncode != 0, proc.stdout
    assert "_posts/2025-01-01-later.md:5:1: BT102" in proc.stdout and "Failed" in proc.stdout
    assert blog.head() == before


def test_suppression_comment_unblocks(blog: BlogRepo) -> None:
    before = blog.head()
    suppressed = PLACEHOLDER.replace(
        "[ADD_IMAGE]", "<!-- blogtool-disable-next-line BT102 -->\n[ADD_IMAGE]"
    )
    blog.write("drafts/post.md", suppressed)
    proc = blog.commit("drafts/post.md")
    assert proc.returncode == 0, proc.stdout
    assert blog.head() != before
    assert "BT102" not in proc.stdout


def test_unstaged_changes_are_not_linted(blog: BlogRepo) -> None:
    """pre-commit stashes what is not staged: the commit is judged on what it contains."""
    blog.write("drafts/post.md", CLEAN)
    blog.git("add", "drafts/post.md")
    blog.write("drafts/post.md", PLACEHOLDER)  # the same file, changed after `git add`
    blog.write("drafts/untracked.md", PLACEHOLDER)
    proc = blog.git("commit", "-m", "clean part only", check=False)
    assert proc.returncode == 0, proc.stdout
    assert "BT102" not in proc.stdout
    assert blog.committed("drafts/post.md") == CLEAN
    assert (blog.root / "drafts/post.md").read_text(encoding="utf-8") == PLACEHOLDER


def test_only_the_files_of_the_commit_are_linted(blog: BlogRepo) -> None:
    blog.write("drafts/old.md", PLACEHOLDER)
    blog.git("add", "drafts/old.md")
    blog.git("commit", "-q", "--no-verify", "-m", "an old draft with a problem")
    blog.write("drafts/new.md", CLEAN)
    proc = blog.commit("drafts/new.md")
    assert proc.returncode == 0, proc.stdout
    assert "old.md" not in proc.stdout


def test_non_markdown_and_repository_docs_are_not_linted(blog: BlogRepo) -> None:
    """``types: [markdown]`` and the default ``exclude`` of .pre-commit-hooks.yaml."""
    files = ["notes.txt", "README.md", "docs/CONTRIBUTING.md", ".github/ISSUE_TEMPLATE.md"]
    for name in files:
        blog.write(name, PLACEHOLDER)
    proc = blog.commit(*files)
    assert proc.returncode == 0, proc.stdout
    assert "BT102" not in proc.stdout
    # The same text as a post is linted: the exclusions, not the text, let the commit through.
    blog.write("posts/README-of-a-paper.md", PLACEHOLDER)
    assert blog.commit("posts/README-of-a-paper.md").returncode != 0


def test_diff_argument_reports_only_the_lines_a_commit_changes(
    new_repo: Callable[..., BlogRepo],
) -> None:
    """``args: [--diff, HEAD]``, the README's advice for adopting the hook on old drafts."""
    blog = new_repo(local_hook(args=["--diff", "HEAD"]))
    blog.write("drafts/old.md", PLACEHOLDER)
    blog.git("add", "drafts/old.md")
    blog.git("commit", "-q", "--no-verify", "-m", "an old draft with a problem on line 5")

    blog.write("drafts/old.md", PLACEHOLDER.replace("More text.", "More, better text."))
    proc = blog.commit("drafts/old.md")
    assert proc.returncode == 0, proc.stdout

    blog.write("drafts/old.md", blog.committed("drafts/old.md") + "\n[ADD_PLOT]\n")
    proc = blog.commit("drafts/old.md")
    assert proc.returncode != 0, proc.stdout
    assert "drafts/old.md:9:1: BT102" in proc.stdout
    assert "drafts/old.md:5:" not in proc.stdout


class _Recorder(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.send_response(404 if "missing" in self.path else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[tuple[str, list[str]]]:
    """A 127.0.0.1 server (404 for paths with "missing", else 200): its URL and the paths asked."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.paths = []  # type: ignore[attr-defined]
    # a 50 ms poll: shutdown() waits for the next poll, 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server.paths  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def test_offline_hook_never_checks_links_even_when_the_config_asks(
    blog: BlogRepo, web: tuple[str, list[str]]
) -> None:
    base, requests = web
    blog.env.update(NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    blog.write("blogtool.toml", "[links]\ncheck_in_lint = true\nallow_private = true\n")
    blog.git("commit", "-q", "--no-verify", "-am", "check links in lint")
    blog.write("drafts/a.md", f"# A\n\nSee [the paper]({base}/a) first.\n")
    blog.write("drafts/b.md", f"# B\n\nSee [the code]({base}/b) too.\n")

    proc = blog.commit("drafts/a.md", "drafts/b.md")
    assert proc.returncode == 0, proc.stdout
    assert requests == []
    assert proc.stdout.count("remote link checking skipped (--offline)") == 1

    # The config really does turn link checking on: without --offline the links are requested.
    blog.run(sys.executable, "-m", "blogtool.cli", "lint", "drafts/a.md", "drafts/b.md")
    assert sorted(set(requests)) == ["/a", "/b"]


def test_link_hook_runs_on_push_not_on_commit(
    new_repo: Callable[..., BlogRepo], tmp_path: Path, web: tuple[str, list[str]]
) -> None:
    base, requests = web
    blog = new_repo(local_hook("blogtool-lint"), local_hook("blogtool-links"))
    blog.env.update(NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    blog.write("blogtool.toml", "[links]\nallow_private = true\n")  # the server is local
    blog.pre_commit("install", "--hook-type", "pre-push", check=True)
    blog.git("init", "-q", "--bare", str(tmp_path / "remote.git"))
    blog.git("remote", "add", "origin", str(tmp_path / "remote.git"))
    blog.write("drafts/post.md", f"# Post\n\nSee [it]({base}/ok) and [that]({base}/missing).\n")

    proc = blog.commit("drafts/post.md")
    assert proc.returncode == 0, proc.stdout
    assert requests == []

    proc = blog.git("push", "-q", "origin", "HEAD:main", check=False)
    assert proc.returncode != 0, proc.stdout
    reported = [line for line in proc.stdout.splitlines() if " BT7" in line]
    assert len(reported) == 1, proc.stdout
    assert reported[0].startswith("drafts/post.md:3:"), reported
    assert " BT701 " in reported[0] and f"{base}/missing" in reported[0], reported
    assert sorted(set(requests)) == ["/missing", "/ok"]
    assert blog.git("ls-remote", "origin").stdout == ""


def test_hook_files_are_valid(blog: BlogRepo) -> None:
    for command, name in [
        ("validate-manifest", ".pre-commit-hooks.yaml"),
        ("validate-config", ".pre-commit-config.yaml"),
    ]:
        proc = blog.pre_commit(command, str(ROOT / name))
        assert proc.returncode == 0, proc.stdout


def test_this_repository_config_skips_the_sample_draft(
    new_repo: Callable[..., BlogRepo], hermetic_env: dict[str, str]
) -> None:
    """Its planted problems are the demo; any other draft is linted."""
    scripts = Path(sys.executable).parent
    if not (scripts / "blogtool").exists() and not (scripts / "blogtool.exe").exists():
        pytest.skip("blogtool is not installed next to this interpreter")
    hermetic_env["PATH"] = os.pathsep.join([str(scripts), hermetic_env.get("PATH", "")])
    blog = new_repo()
    shutil.copy(ROOT / ".pre-commit-config.yaml", blog.root)
    sample = (ROOT / "drafts/evolution.md").read_text(encoding="utf-8")
    blog.write("drafts/evolution.md", sample)
    blog.write("drafts/new.md", PLACEHOLDER)
    blog.git("add", ".")
    # --select: spelling the whole sample would only make this test slower.
    sample_alone = blog.run(
        *[sys.executable, "-m", "blogtool.cli", "lint", "--offline", "--select", "BT102"],
        "drafts/evolution.md",
        check=False,
    )
    assert sample_alone.returncode == 1, "the sample draft should hold placeholders"

    proc = blog.pre_commit(
        "run", "blogtool-lint", "--files", "drafts/evolution.md", "drafts/new.md"
    )
    assert proc.returncode == 1, proc.stdout
    assert "drafts/new.md:5:1: BT102" in proc.stdout
    assert "evolution.md" not in proc.stdout


def _snapshot_checkout(dest: Path, env: dict[str, str]) -> Path:
    """A one-commit git repository holding this checkout's working tree.

    try-repo clones a repository's HEAD (plus changes to tracked files), so new files such
    as .pre-commit-hooks.yaml itself would be missing from a plain clone of an uncommitted tree.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("the checkout is not a git repository")
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    snapshot = BlogRepo(dest, env)
    snapshot.git("init", "-q")
    snapshot.git("add", ".")
    snapshot.git(
        "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "s"
    )
    return dest


@pytest.mark.slow
def test_try_repo_installs_and_runs_the_published_hook(
    new_repo: Callable[..., BlogRepo], tmp_path: Path, hermetic_env: dict[str, str]
) -> None:
    """The hook as users get it: ``language: python``, blogtool pip-installed by pre-commit."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    _snapshot_checkout(checkout, hermetic_env)
    blog = new_repo()
    blog.write("drafts/x.md", PLACEHOLDER)
    blog.write("drafts/ok.md", CLEAN)
    blog.write("drafts/notes.txt", PLACEHOLDER)
    blog.git("add", ".")
    proc = blog.pre_commit(
        "try-repo",
        str(checkout),
        "blogtool-lint",
        "--files",
        "drafts/x.md",
        "drafts/ok.md",
        "drafts/notes.txt",
    )
    assert proc.returncode == 1, proc.stdout
    assert "drafts/x.md:5:1: BT102" in proc.stdout
    assert "ok.md" not in proc.stdout.split("Failed", 1)[-1]
    assert "notes.txt" not in proc.stdout.split("Failed", 1)[-1]
