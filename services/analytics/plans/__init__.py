"""Plan execution figures: physical and budget execution, expected to date and the traffic light."""
