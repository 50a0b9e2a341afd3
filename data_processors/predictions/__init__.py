"""predictions package."""
