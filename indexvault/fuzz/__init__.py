"""Fuzzing the vault on a real-data market: the engine, its backends, campaigns and reports."""
