"""A small NumPy engine: pure functions that return frozen traces of every number a lesson shows."""
