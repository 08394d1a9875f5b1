"""SARIF 2.1.0, for code-scanning dashboards."""

from __future__ import annotations

import json

from .. import __version__
from ..paint import Paint, no_paint

_LEVEL = {"ERROR": "error", "WARNING": "warning", "INFO": "note", "OFF": "none"}


def render(results, registry, paint: Paint = no_paint) -> str:
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc},
            "defaultConfiguration": {"level": _LEVEL[r.severity.name]},
        }
        for r in registry
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    sarif_results = []
    for result in results:
        for v in result.violations:
            entry = {
                "ruleId": v.rule_id,
                "level": _LEVEL[v.severity.name],
                "message": {"text": v.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": v.path.replace("\\", "/")},
                            "region": {
                                "startLine": v.line,
                                "startColumn": v.col,
                                "endLine": max(v.end_line, v.line),
                                "endColumn": max(v.end_col, 1),
                            },
                        }
                    }
                ],
            }
            if v.rule_id in index:
                entry["ruleIndex"] = index[v.rule_id]
            sarif_results.append(entry)
    notifications = [{"level": "error", "message": {"text": r.error}} for r in results if r.error]
    run = {
        "tool": {
            "driver": {
                "name": "blogtool",
                "version": __version__,
                "informationUri": "https://pypi.org/project/blogtool/",
                "rules": rules,
            }
        },
        "results": sarif_results,
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
    }
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
