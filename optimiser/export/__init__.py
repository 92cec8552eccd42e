"""Outputs: solution JSON and its schema, and the case schemas."""
