"""The report inside a notebook: pandas frames, charts, HTML displays and blocks, and the
kernel-side check of a notebook's parameters."""
