"""The funding task: funding statement -> funders and awards (`task.py`; see its package modules)."""
