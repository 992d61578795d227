"""Speed measurements of the course, each next to a plain baseline (docs/performance.rst)."""
