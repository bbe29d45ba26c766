"""Indicators of activities and their measurements per period."""
