"""Local stand-ins for Google's services, and how they start and stop."""
