"""The directories: the directories admin, a directory, a group, names compared by skeleton, member import, races (A1–A11)."""
