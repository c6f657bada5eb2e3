"""Mail accounts (B1–B5): domains, accounts, aliases, who manages them, the exports and the change feed."""
