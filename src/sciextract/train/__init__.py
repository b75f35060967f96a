"""Trainers over TRL (SFT, GRPO) and the reward total they share with the sweep; no task-specific code."""
