"""Defect-injection quality harness: recall on planted defects, false alarms on real posts.

Run ``python -m bench.quality --help`` from the repository root. See bench/QUALITY.md for the
numbers and how they are read.
"""
