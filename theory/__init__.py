"""Sympy derivations and checks; each module exports the numeric (lambdified) formulas it verified,
so that what the claims check and the figures plot is exactly what was verified here."""
