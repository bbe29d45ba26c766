"""Personal data: the people of a complaint and the log of every read of them."""
