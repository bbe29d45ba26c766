"""PPSS action plans, their goals, and the whole-plan tree."""
