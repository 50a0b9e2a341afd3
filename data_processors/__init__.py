"""data_processors package."""
