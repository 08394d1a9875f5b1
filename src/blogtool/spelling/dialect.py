"""The English a draft is written in, shared by the vocabulary and the backends."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Dialect"]


class Dialect(StrEnum):
    """The English a draft is written in."""

    AMERICAN = "american"
    BRITISH = "british"
    AUSTRALIAN = "australian"
    CANADIAN = "canadian"

    @classmethod
    def parse(cls, value: str) -> Dialect:
        """Accept a name (``british``) or a language tag (``en-GB``, ``en_gb``)."""
        key = value.strip().lower().replace("_", "-")
        for dialect in cls:
            if key in (dialect.value, dialect.language_tag.lower()):
                return dialect
        names = ", ".join(f"{d.value} ({d.language_tag})" for d in cls)
        raise ValueError(f"unknown dialect {value!r}; expected one of: {names}")

    @property
    def language_tag(self) -> str:
        return _LANGUAGE_TAGS[self]


_LANGUAGE_TAGS = {
    Dialect.AMERICAN: "en-US",
    Dialect.BRITISH: "en-GB",
    Dialect.AUSTRALIAN: "en-AU",
    Dialect.CANADIAN: "en-CA",
}
