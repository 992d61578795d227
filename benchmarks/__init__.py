"""Speed measurements of the course's code, each next to a plain baseline (see docs/performance.rst)."""
