"""The GitHub Actions workflow .github/workflows/drafts.yml: its commands are the ones run here.

The test reads the workflow, takes every ``run:`` line that starts with ``blogtool`` and runs
it as written, in the repository, with the shell GitHub uses for ``run:`` steps and a
temporary file as ``$GITHUB_STEP_SUMMARY``. A change to the workflow's commands is tested
without touching this file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "drafts.yml"
# What GitHub runs for a `run:` step on Linux: `bash --noprofile --norc -eo pipefail {0}`.
SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]


def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict[str, Any]]:
    (job,) = workflow()["jobs"].values()
    return job["steps"]


def run_lines(prefix: str = "") -> list[str]:
    """Every line of every ``run:`` step (continuations joined) that starts with ``prefix``."""
    lines = []
    for step in steps():
        script = str(step.get("run", "")).replace("\\\n", " ")
        lines += [ln.strip() for ln in script.splitlines() if ln.strip().startswith(prefix)]
    return lines


def test_workflow_installs_blogtool_before_using_it() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    uses = [s.get("uses", "") for s in steps()]
    setup = next(s for s in steps() if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(setup["with"]["python-version"]) == "3.11"
    runs = [str(s.get("run", "")) for s in steps()]
    checkout = next(i for i, u in enumerate(uses) if u.startswith("actions/checkout@"))
    install = runs.index("pip install .")
    first_blogtool = next(i for i, r in enumerate(runs) if r.startswith("blogtool"))
    assert checkout < install < first_blogtool
    assert all("continue-on-error" not in s for s in steps())  # exit code 2 must fail the job


def test_the_workflow_lints_offline_and_reports_to_the_job_summary() -> None:
    lint = run_lines("blogtool lint ")
    report = run_lines("blogtool report ")
    assert len(lint) == 1 and len(report) == 1
    assert "--offline" in lint[0] and "--format github" in lint[0] and "drafts/" in lint[0]
    assert "--format markdown" in report[0] and report[0].endswith('>> "$GITHUB_STEP_SUMMARY"')


def test_the_workflow_commands_succeed_here(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("GitHub's run: shell is bash")
    scripts = Path(sys.executable).parent
    assert (scripts / "blogtool").exists() or (scripts / "blogtool.exe").exists(), (
        "blogtool is not installed beside the Python running the tests"
    )
    summary = tmp_path / "step_summary.md"
    summary.write_text("", encoding="utf-8")  # GitHub creates it empty for each step
    env = {
        **os.environ,
        "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
    }
    outputs = {}
    commands = run_lines("blogtool")
    assert commands
    for command in commands:
        proc = subprocess.run(
            [*SHELL, command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
        outputs[command.split()[1]] = proc.stdout

    # The lint step annotates the sample draft's planted problems and prints nothing else.
    annotations = outputs["lint"].splitlines()
    assert any(a.startswith("::error file=drafts/evolution.md,line=") for a in annotations)
    assert all(a.startswith("::") for a in annotations if a.strip())
    # The report step went to the job summary, not to the log.
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## TODO coverage: ")
    assert "| drafts/evolution.md |" in text and "<details>" in text
    assert outputs["report"] == ""
