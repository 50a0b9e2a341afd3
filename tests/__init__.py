"""Test suite package (lets tests import `tests.support`)."""
