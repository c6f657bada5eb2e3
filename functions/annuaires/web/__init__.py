"""The web edge: routing, sessions, CSRF, forms and JSON, templates."""
