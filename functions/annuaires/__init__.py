"""Annuaires: administration of directories, groups and groupements, and of mail accounts."""
