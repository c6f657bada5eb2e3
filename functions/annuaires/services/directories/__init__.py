"""Directories, groups and groupements (A1–A11): who references whom, their accounts, members and messages."""
