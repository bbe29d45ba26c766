"""Complaint figures: the bimonthly consolidation, trends and the priorities of a secretaría's visits."""
