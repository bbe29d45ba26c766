"""Demo data loaded by `make run`: the customer's own documents, kept byte for byte."""
