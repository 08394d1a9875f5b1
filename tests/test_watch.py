"""``blogtool lint --watch``: a real process, a real file edit, a real SIGINT."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from blogtool.config import Config
from blogtool.engine import make_plan
from blogtool.watch import Watch, watch

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")

DRAFT = "# Notes\n\nSome prose.\n"


def lines_of(stream) -> queue.Queue[str]:  # noqa: ANN001 - a binary pipe
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for raw in stream:
            found.put(raw.decode("utf-8", "replace"))

    threading.Thread(target=read, daemon=True).start()
    return found


def wait_for(lines: queue.Queue[str], text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            if text in lines.get(timeout=left):
                return True
        except queue.Empty:
            break
    return False


def test_watch_relints_a_saved_draft_and_stops_on_sigint(tmp_path: Path) -> None:
    draft = tmp_path / "post.md"
    draft.write_text(DRAFT, encoding="utf-8")
    (tmp_path / "blogtool.toml").write_text('select = ["BT107"]\n', encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "blogtool.cli", "lint", "--watch", "post.md"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = lines_of(proc.stdout), lines_of(proc.stderr)
        assert wait_for(err, "watching", 60), "the watch never started"
        # The watcher starts just after it says so: an edit in between would go unseen, so
        # the edit is made again until it is seen (the waits only guard against a hang).
        for attempt in range(30):
            draft.write_text(DRAFT + f"\nTODO: fix me {attempt}\n", encoding="utf-8")
            if wait_for(out, "BT107", 2):
                break
        else:
            pytest.fail("the edit was never linted")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        assert wait_for(err, "stopped watching", 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_config_change_relints_everything_and_a_bad_one_keeps_the_old(tmp_path: Path) -> None:
    draft = tmp_path / "post.md"
    draft.write_text(DRAFT + "\nTODO: later\n", encoding="utf-8")
    config_file = tmp_path / "blogtool.toml"
    config_file.write_text("", encoding="utf-8")
    said: list[str] = []
    rounds: list[list[str]] = []
    answers = iter(["bad", "good"])

    def reload():  # noqa: ANN202
        from blogtool.config import ConfigError

        if next(answers) == "bad":
            raise ConfigError("blogtool.toml:1: nonsense")
        return Config(), make_plan(Config(), select=["BT107"])

    job = Watch(
        [str(draft)],
        make_plan(Config(), select=["BT401"]),
        Config(path=config_file, root=tmp_path),
        lambda results: rounds.append([v.rule_id for r in results for v in r.violations]),
        said.append,
        reload,
    )
    assert job.roots() == [tmp_path.resolve()]
    job.round({config_file.resolve()})
    assert said == ["blogtool.toml:1: nonsense (still using the previous config)"] and not rounds
    job.round({config_file.resolve()})
    assert rounds == [["BT107"]]
    job.round({(tmp_path / "elsewhere.md").resolve()})  # not a draft of this watch
    assert rounds == [["BT107"]]
    job.round({draft.resolve()})
    assert rounds == [["BT107"], ["BT107"]]


def test_a_stop_event_ends_the_watch_with_0(tmp_path: Path) -> None:
    draft = tmp_path / "post.md"
    draft.write_text(DRAFT, encoding="utf-8")
    stop = threading.Event()
    stop.set()  # stopped before the first event: the first lint still runs
    rounds: list[int] = []
    job = Watch(
        [str(draft)],
        make_plan(Config(), select=["BT107"]),
        Config(),
        lambda results: rounds.append(len(results)),
        lambda message: None,
        lambda: (Config(), make_plan(Config())),
    )
    assert watch(job, stop) == 0
    assert rounds == [1]


@pytest.mark.parametrize(
    "option", ["-", "--output=o.txt", "--diff=HEAD", "--fix", "--unsafe-fixes", "--fix-diff"]
)
def test_watch_refuses_options_that_do_not_go_with_it(tmp_path: Path, option: str) -> None:
    from click.testing import CliRunner

    from blogtool.cli import main

    draft = tmp_path / "post.md"
    draft.write_text("# T\n\nText.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--watch", option, str(draft)])
    assert result.exit_code == 2
    assert "--watch does not go with" in result.output
    assert draft.read_text(encoding="utf-8") == "# T\n\nText.\n"


def test_watch_excludes_as_lint_does_relative_to_the_config(tmp_path: Path, monkeypatch) -> None:
    from blogtool.config import load_config

    (tmp_path / "blogtool.toml").write_text('exclude = ["drafts/archive/*"]\n', encoding="utf-8")
    archive = tmp_path / "drafts" / "archive"
    archive.mkdir(parents=True)
    (archive / "old.md").write_text(DRAFT, encoding="utf-8")
    (tmp_path / "drafts" / "new.md").write_text(DRAFT, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "drafts")  # run from drafts/, as the exclude issue did
    config = load_config(tmp_path / "blogtool.toml")
    job = Watch(["."], make_plan(config), config, print, print, lambda: (config, make_plan(config)))
    assert [p.name for p in job.drafts()] == ["new.md"]


def test_a_reloaded_config_keeps_the_command_line_choices(tmp_path: Path) -> None:
    from blogtool.commands.watch import reloader
    from blogtool.registry import load_registry

    (tmp_path / "blogtool.toml").write_text("", encoding="utf-8")
    options = dict(config_path=str(tmp_path / "blogtool.toml"), select=["BT107"], ignore=[])
    options |= dict(flavor="kramdown", offline=True)
    _, plan = reloader([str(tmp_path)], load_registry(), options)()
    assert plan.offline is True and plan.flavor == "kramdown"
    assert [a.rule.id for a in plan.rules] == ["BT107"]
