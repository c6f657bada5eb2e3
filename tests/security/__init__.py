"""What attackers try and who may do what: sign-in, sessions, throttling, authorization, passwords, tokens, logs, doors."""
