"""Page tests in a real browser (Chromium driven by Playwright) against the real service."""
