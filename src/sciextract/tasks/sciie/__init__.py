"""The SciIE task: sentence -> entities and relations (SciER; `task.py`; see its package modules)."""
