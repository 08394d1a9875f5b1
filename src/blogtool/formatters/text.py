"""``path:line:col: RULE message [name]``, as ruff and markdownlint print it."""

from __future__ import annotations

from . import Summary


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render(results, registry, color: bool = False) -> str:
    lines: list[str] = []
    for result in results:
        for v in result.violations:
            where = _paint(f"{v.path}:{v.line}:{v.col}:", "1", color)
            code = _paint(v.rule_id, "31" if v.severity.name == "ERROR" else "33", color)
            tag = "" if v.severity.name == "ERROR" else f" ({v.severity})"
            lines.append(f"{where} {code} {v.message} [{v.rule_name}]{tag}")
    s = Summary.of(results)
    total = s.errors + s.warnings + s.infos
    if total or s.failed:
        parts = [
            f"{s.errors} error{'s' * (s.errors != 1)}",
            f"{s.warnings} warning{'s' * (s.warnings != 1)}",
        ]
        if s.infos:
            parts.append(f"{s.infos} info")
        tail = f"; {s.failed} file(s) could not be read" if s.failed else ""
        lines.append(
            f"Found {total} problem{'s' * (total != 1)} ({', '.join(parts)}) "
            f"in {s.files} file{'s' * (s.files != 1)}{tail}."
        )
    else:
        lines.append(f"All clean: {s.files} file{'s' * (s.files != 1)} checked.")
    return "\n".join(lines)
