"""Importers of PPSS plan spreadsheets: pure parsers first, database writes on top of them."""
