"""Sphinx configuration of the pix2pix course.

Pages live in docs/; this file sits at the repository root so instructors find it. Build with
    python -m sphinx -W --keep-going -c . -b html docs _build/html
Figures come from ``python docs/make_figures.py``; the build itself runs no model.
"""

import shutil
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

# The "Paint a facade" page runs the generator with onnxruntime-web, which `npm ci` installs into
# node_modules/ from the versions pinned in package-lock.json. The build copies only the two files
# the page loads (the WebGPU build, whose CPU path is as fast as the plain WebAssembly one: one
# bundle serves both). Without them the page still builds, and says how to install them.
PAINTER_DIR = Path(__file__).parent / "docs" / "painter"
ONNXRUNTIME_WEB_DIR = Path(__file__).parent / "node_modules" / "onnxruntime-web" / "dist"
ONNXRUNTIME_WEB_FILES = ("ort.webgpu.bundle.min.mjs", "ort-wasm-simd-threaded.asyncify.wasm")
if all((ONNXRUNTIME_WEB_DIR / name).is_file() for name in ONNXRUNTIME_WEB_FILES):
    tags.add("onnxruntime_web")  # noqa: F821 (Sphinx defines tags for conf.py)


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


def copy_painter(app, exception):
    """Put the painter's modules and onnxruntime-web's two files into _static/painter/."""
    if exception is not None or app.builder.format != "html" or not app.tags.has(
            "onnxruntime_web"):
        return
    target = Path(app.outdir) / "_static" / "painter"
    (target / "onnxruntime-web").mkdir(parents=True, exist_ok=True)
    for module in PAINTER_DIR.glob("*.js"):
        shutil.copy2(module, target / module.name)
    for name in ONNXRUNTIME_WEB_FILES:
        shutil.copy2(ONNXRUNTIME_WEB_DIR / name, target / "onnxruntime-web" / name)


def setup(app):
    app.add_directive("figure-if-made", FigureIfMade)
    app.connect("build-finished", copy_painter)
