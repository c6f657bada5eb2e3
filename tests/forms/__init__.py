"""Forms across areas (R2): refused forms come back filled in, carried through sign-in, never cut, never overwritten."""
