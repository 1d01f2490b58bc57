"""Benchmarks: plain Python packages (no Django) that prepare data and score output."""
