"""constants package."""
