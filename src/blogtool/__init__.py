"""blogtool: keep a long technical blog honest before it is published."""

__version__ = "0.1.0"
