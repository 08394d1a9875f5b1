"""placeholders rules (being written)."""
