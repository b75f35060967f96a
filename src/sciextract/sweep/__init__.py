"""The Optuna sweep over LoRA rank, KL coefficient and GRPO learning rate: `study.py` (trials and the study),
`storage.py` (journal file or RDB, with heartbeats), `report.py` (trials table and plots)."""
