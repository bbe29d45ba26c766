"""Activities of a plan's goals and their monthly execution (activity progress)."""
