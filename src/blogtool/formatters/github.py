"""GitHub Actions workflow commands: annotations on the pull request's diff."""

from __future__ import annotations

from ..paint import Paint, no_paint


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_LEVEL = {"ERROR": "error", "WARNING": "warning", "INFO": "notice"}


def render(results, registry, paint: Paint = no_paint) -> str:
    lines = []
    for result in results:
        if result.error:
            lines.append(f"::error file={_escape_prop(result.path)}::{_escape_data(result.error)}")
        for v in result.violations:
            props = (
                f"file={_escape_prop(v.path)},line={v.line},col={v.col},"
                f"endLine={v.end_line},endColumn={v.end_col},"
                f"title={_escape_prop(f'{v.rule_id} {v.rule_name}')}"
            )
            lines.append(f"::{_LEVEL[v.severity.name]} {props}::{_escape_data(v.message)}")
    return "\n".join(lines)
