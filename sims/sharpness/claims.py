"""Sharpness claims (placeholder during the split)."""
from __future__ import annotations

CLAIMS = {}
REFERENCE = "Jacot et al. 2018; Yang & Hu 2021; Cohen et al. 2021; Wu & Su 2023; Noci et al. 2024"
