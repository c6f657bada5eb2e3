"""Dump and reload (A15): the dump, the reload door, entities as JSON lines, the `annuaires` command."""
