"""team_offense_game_summary package (phase 3 team offense per game)."""
