"""shared_services package."""
