"""The weekly mailing (A12–A14): mailers, the dispatch of batches, the send tasks, what people see of it."""
