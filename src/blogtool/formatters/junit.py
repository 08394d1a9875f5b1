"""JUnit XML: one test case per file, one failure per violation."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ..paint import Paint, no_paint
from . import Summary


def render(results, registry, paint: Paint = no_paint) -> str:
    summary = Summary.of(results)
    suite = ET.Element(
        "testsuite",
        name="blogtool",
        tests=str(len(results)),
        failures=str(sum(1 for r in results if r.violations)),
        errors=str(summary.failed),
    )
    for result in results:
        case = ET.SubElement(suite, "testcase", classname="blogtool", name=result.path)
        if result.error:
            ET.SubElement(case, "error", message=result.error)
        for v in result.violations:
            failure = ET.SubElement(
                case, "failure", type=v.rule_id, message=f"{v.line}:{v.col} {v.message}"
            )
            failure.text = f"{v.path}:{v.line}:{v.col}: {v.rule_id} {v.message} [{v.rule_name}]"
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
