"""Sphinx configuration of the pix2pix course.

Pages live in docs/; this file sits at the repository root so instructors find it. Build with
    python -m sphinx -W --keep-going -c . -b html docs _build/html
"""

project = "Pix2Pix: image-to-image translation with conditional GANs"
author = "pix2pix-course"
copyright = "2026, pix2pix-course"

extensions = ["sphinx_design", "sphinx.ext.mathjax"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
nitpicky = True
