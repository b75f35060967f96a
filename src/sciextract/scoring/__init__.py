"""Task-independent scoring: counts and F-beta, optimal one-to-one assignment, bootstrap intervals."""
