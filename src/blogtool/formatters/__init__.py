"""Output formats for lint results. Each module offers ``render(results, registry) -> str``."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import FileResult
from ..paint import Paint, no_paint
from ..violation import Severity

FORMATS = ("text", "json", "github", "sarif", "junit")


@dataclass(frozen=True)
class Summary:
    files: int
    errors: int
    warnings: int
    infos: int
    failed: int  # files that could not be linted

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> Summary:
        counts = {s: 0 for s in Severity}
        for result in results:
            for v in result.violations:
                counts[v.severity] += 1
        return cls(
            files=len(results),
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
            failed=sum(1 for r in results if r.error),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "info": self.infos,
            "unreadable_files": self.failed,
        }


def render(name: str, results: Sequence[FileResult], registry, paint: Paint = no_paint) -> str:
    """The results in format ``name``; ``paint`` colours the text format (the CLI passes
    ``click.style`` on a colour terminal)."""
    module = importlib.import_module(f"{__name__}.{name}")
    return module.render(results, registry, paint=paint)
