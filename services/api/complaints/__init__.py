"""Complaints (PQRD) with the legal-deadline engine: complaints, event log, personal data, calendar."""
