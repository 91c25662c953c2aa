"""Reviewers' decisions: the words a decision file and the decision log use."""

from __future__ import annotations

DECISIONS = ("accepted", "rejected", "hold")


FINAL_DECISIONS = ("accepted", "rejected")
