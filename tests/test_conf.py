"""conf.py's made-later directives: a framed placeholder with the command until the instructor
command has run, then the figure or the printed text itself on the next build."""

import re
import shutil

from sphinx.cmd.build import build_main

from pix2pix.paths import PROJECT_ROOT

COMMAND = "python docs/make_figures.py --with-weights"
PAGE = f"""Results
=======

.. figure-if-made:: figures/grid.png
   :command: {COMMAND}
   :alt: six labels above six photos.

   The grid.

.. literalinclude-if-made:: figures/printed.txt
   :language: text
   :command: {COMMAND}
   :what: the numbers the script prints.
"""


def build(source, out):
    """Build ``source`` with the course's conf.py, warnings as errors; returns the page's HTML."""
    code = build_main(["-W", "-q", "-c", str(PROJECT_ROOT), "-b", "html", str(source), str(out)])
    assert code == 0
    return (out / "index.html").read_text()


def text(html):
    """The words of a page, without its tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_missing_figure_is_a_framed_box_then_the_figure_once_made(tmp_path):
    source, out = tmp_path / "docs", tmp_path / "html"
    (source / "figures").mkdir(parents=True)
    (source / "index.rst").write_text(PAGE)
    html = build(source, out)
    assert html.count('<div class="made-later') == 2
    words = text(html)
    assert "Here: six labels above six photos." in words
    assert "Here: the numbers the script prints." in words
    assert words.count(f"official pretrained weights. Draw it with {COMMAND} ,") == 2
    assert "<img" not in html

    shutil.copyfile(PROJECT_ROOT / "docs" / "figures" / "unet.png", source / "figures" / "grid.png")
    (source / "figures" / "printed.txt").write_text("windows:\n  sparse: 13.7%\n")
    html = build(source, out)  # the same output folder: Sphinx rebuilds the changed page only
    assert "made-later" not in html
    assert 'alt="six labels above six photos."' in html and "The grid." in html
    assert "sparse: 13.7%" in html


GPU_PAGE = """Speed
=====

.. only:: gpu_measured

   .. literalinclude:: _performance_train_gpu.txt

.. only:: not gpu_measured

   No GPU has measured this copy yet.
"""


def test_gpu_tables_replace_the_sentence_once_every_file_is_a_measurement(tmp_path):
    source, out = tmp_path / "docs", tmp_path / "html"
    source.mkdir()
    (source / "index.rst").write_text(GPU_PAGE)
    (source / "_performance_train_gpu.txt").write_text("Not measured yet: no GPU has run it.\n")
    (source / "_performance_run_gpu.txt").write_text("run: 1500 img/s\n")
    words = text(build(source, out))
    assert "No GPU has measured this copy yet." in words and "Not measured" not in words

    (source / "_performance_train_gpu.txt").write_text("bf16 1612\n")
    words = text(build(source, out))  # the same output folder, as an instructor rebuilds
    assert "bf16 1612" in words and "No GPU has measured" not in words
