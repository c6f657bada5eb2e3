"""Dump and reload (A15): every kind in Datastore's own JSON form, and each line checked before a reload writes."""
