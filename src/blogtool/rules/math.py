"""math rules (being written)."""
