"""Built-in rule families: one module per family, one ``@rule`` function per rule."""
