"""Exact-dynamics simulators for deep-learning theory, each checked against its ``theory`` module."""
from .registry import SIMULATORS, get_simulator

__all__ = ["SIMULATORS", "get_simulator"]
__version__ = "0.1.0"
