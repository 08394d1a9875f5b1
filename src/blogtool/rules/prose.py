"""prose rules (being written)."""
