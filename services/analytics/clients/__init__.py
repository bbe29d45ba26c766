"""Clients of the services analytics reads from."""
