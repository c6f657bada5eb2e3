"""Datastore access only: keys, entities, transactions, cursors."""
