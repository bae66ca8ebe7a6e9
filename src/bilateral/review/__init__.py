"""Review tools: the machine-readable record of a report's results, and what changed
between two records."""
