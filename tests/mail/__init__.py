"""Mail accounts: domains, accounts, aliases, operators, the exports the mail host pulls, the reference sync (B1–B5)."""
