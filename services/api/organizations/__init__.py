"""Organisations, oversight links and affiliate counts."""
