"""One JSON object: ``{"violations": [...], "summary": {...}, "unreadable": [...]}``.

Keys are stable; lines and columns are 1-based, ``end_column`` is exclusive.
"""

from __future__ import annotations

import json

from ..paint import Paint, no_paint
from . import Summary


def render(results, registry, paint: Paint = no_paint) -> str:
    violations = [
        {
            "path": v.path,
            "line": v.line,
            "column": v.col,
            "end_line": v.end_line,
            "end_column": v.end_col,
            "rule": v.rule_id,
            "name": v.rule_name,
            "severity": str(v.severity),
            "message": v.message,
        }
        for result in results
        for v in result.violations
    ]
    unreadable = [{"path": r.path, "message": r.error} for r in results if r.error]
    payload = {
        "violations": violations,
        "summary": Summary.of(results).as_dict(),
        "unreadable": unreadable,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
