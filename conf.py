"""Sphinx configuration of the pix2pix course.

Pages live in docs/; this file sits at the repository root so instructors find it. Build with
    python -m sphinx -W --keep-going -c . -b html docs _build/html
Figures come from ``python docs/make_figures.py``; the build itself runs no model.
"""

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.images import Figure

project = "Pix2Pix: image-to-image translation with conditional GANs"
author = "pix2pix-course"
copyright = "2026, pix2pix-course"

# sphinx-mathjax-offline ships MathJax 3 and points mathjax_path at its local copy, so the
# equations render in a classroom without internet access (no CDN).
extensions = ["sphinx_design", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
exclude_patterns = ["_build"]
# sphinx-book-theme: made for courses -- previous/next at the end of every page, a phone layout,
# its fonts and icons served from the site itself, and download/launch buttons for notebook pages
html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,  # the landing page is the first entry of the sidebar
    "show_toc_level": 2,  # the page's sections in the right-hand column
    "use_fullscreen_button": False,
}
html_title = "Pix2Pix course"
# the figures are drawn on white: start in light mode (the theme's button switches to dark);
# without a value the theme's script logs an error on every page
html_context = {"default_mode": "light"}
html_static_path = ["docs/_static"]
html_css_files = ["course.css"]  # the course's few style rules, explained in the file
nitpicky = True


class FigureIfMade(Figure):
    """``.. figure-if-made::``: a figure that an instructor command makes from downloaded files.

    Until the PNG exists (the official weights are not in git), the page shows a note with the
    command instead of a broken image, and the build stays free of warnings.
    """

    option_spec = {**Figure.option_spec, "command": directives.unchanged_required}

    def run(self):
        if "command" not in self.options:
            raise self.error("figure-if-made needs a :command: option: the command that makes "
                             "the figure")
        command = self.options.pop("command")
        _, path = self.state.document.settings.env.relfn2path(self.arguments[0])
        if Path(path).exists():
            return super().run()
        text = nodes.paragraph()
        text += nodes.Text("This figure needs files that are not in this copy of the course "
                           "(the official weights or the Kaggle data). Make it with ")
        text += nodes.literal(text=command)
        text += nodes.Text(", then rebuild the pages.")
        return [nodes.note("", text)]


def setup(app):
    app.add_directive("figure-if-made", FigureIfMade)
