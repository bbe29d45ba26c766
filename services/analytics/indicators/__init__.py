"""Indicator figures: achieved ÷ programmed × factor, from measurements or from activity execution."""
