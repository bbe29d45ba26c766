"""Benchmarks of the API beside bare references measured in the same run (`make bench`, see README.md)."""
