"""Core: what every stage may use — problems (located errors as values), the message catalogue, the clock and the parallel runner. Imports nothing else of the package."""
