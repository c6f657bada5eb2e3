"""The weekly mailing: mailers, dispatch, sending through a real SMTP server, the e-mail and its unsubscribe (A12–A14)."""
