"""Benchmarks: measured figures for the README, run by hand (never part of the test suite)."""
