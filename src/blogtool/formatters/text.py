"""``path:line:col: RULE message [name]``, as ruff and markdownlint print it.

Messages quote the draft (headings, links, words), and a draft may hold terminal escape
sequences: every field from a draft is shown with its control characters escaped, so the
only escapes that reach the terminal are this formatter's own colours.
"""

from __future__ import annotations

from ..paint import Paint, no_paint
from ..safetext import for_terminal
from . import Summary


def render(results, registry, paint: Paint = no_paint) -> str:
    lines: list[str] = []
    for result in results:
        for v in result.violations:
            where = paint(f"{for_terminal(v.path)}:{v.line}:{v.col}:", bold=True)
            code = paint(v.rule_id, fg="red" if v.severity.name == "ERROR" else "yellow")
            tag = "" if v.severity.name == "ERROR" else f" ({v.severity})"
            message = for_terminal(v.message)
            lines.append(f"{where} {code} {message} [{for_terminal(v.rule_name)}]{tag}")
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
