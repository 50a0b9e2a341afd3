"""Reusable test infrastructure: local servers and helpers shared across test suites."""
