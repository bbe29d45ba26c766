"""HTTP conventions both services share: problems, JSON responses, ETags, operation ids, health."""
