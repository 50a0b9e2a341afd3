"""player_game_summary package."""
