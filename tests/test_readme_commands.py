"""The README's first lines and .ci/run: CI runs the very test command a newcomer is given."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The lines of the README's first ``sh`` block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_exactly() -> None:
    lint, test = readme_commands()[:2]
    assert "blogtool lint" in lint and "pytest" in test
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line.strip() for line in script if line.strip() and not line.startswith("#")]
    assert commands[-1] == test  # the script ends with it, so its exit code is the run's
