"""spelling rules (being written)."""
