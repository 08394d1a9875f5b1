"""What goes wrong in a stub, worded for the user; nothing was written."""

from __future__ import annotations

from blogtool.draftfile import DraftError

# A reason the stub cannot be done, worded for the user; nothing was written. One kind with
# the draft file's own errors, so the CLI reports a lock or a read-only draft the same way.
StubError = DraftError


class TemplateError(StubError):
    """The section template is broken; the message names the template file."""
