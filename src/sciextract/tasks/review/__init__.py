"""The review task: biomedical article -> reviewer concerns (`task.py`; see its package modules)."""
