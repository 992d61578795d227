"""The exercise notebooks are made from the scripts, never edited by hand, and they run.

``docs/make_notebooks.py`` writes ``docs/exercise*.ipynb`` from ``exercises/*.py``. These tests
make them again and compare them with the committed files, then execute each one top to bottom
in a real Jupyter kernel (nbclient + ipykernel) on the CPU, as a student's notebook runs but in
the scripts' quick mode, and check that it wrote and showed the figures its page names.

A notebook's settings change the way papermill changes them: a cell inserted after the one
tagged ``parameters`` sets ``FLAGS`` (a quick run, random-weight stand-in checkpoint, a scratch
folder). The kernel gets no GPU (``CUDA_VISIBLE_DEVICES=""``), so exercise 3 takes its CPU path,
and one thread, as the other script tests: two busy threads on a shared 2-core machine are much
slower than one.
"""

import importlib.util
import re
import subprocess
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient

from pix2pix.paths import PROJECT_ROOT
from pix2pix.train import milestone_epochs

spec = importlib.util.spec_from_file_location("make_notebooks",
                                              PROJECT_ROOT / "docs" / "make_notebooks.py")
make_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_notebooks)

DOCS = PROJECT_ROOT / "docs"
# the page of each notebook; the first on a page is the one the theme's Colab button opens
PAGES = {"exercise1": ["exercise1.ipynb"], "exercise2": ["exercise2.ipynb"],
         "exercise3": ["exercise3.ipynb"], "exercise3_ablations": ["exercise3_ablations.ipynb"]}
REPOSITORY = "https://github.com/example/pix2pix-course"
# the ablations at test size, as tests/test_exercise3_ablations.py shrinks them
TINY_ABLATIONS = ('RUN.update(image_size=32, ngf=4, ndf=4)\n'
                  'DATA.update(num_train=8, num_val=4, size=32)\n')


def quick_run(name, out, checkpoint):
    """The cell that sets the notebook's parameters, the figures its page names (file patterns)
    and how many of them the notebook shows."""
    facades = ["--quick", "--device", "cpu", "--checkpoint", str(checkpoint), "--out", str(out)]
    if name == "exercise1.ipynb":  # the grid is shown, the photos saved
        return f"FLAGS = {facades!r}", ["grid_paper.png", "*_photo_paper.png"], 1
    if name == "exercise2.ipynb":
        studies = ("windows", "partial", "colours", "consistency")
        return f"FLAGS = {facades!r}", [f"{study}.png" for study in studies], 4
    if name == "exercise3.ipynb":
        flags = ["--data", "synthetic", "--quick", "--device", "cpu", "--workers", "0",
                 "--out", str(out)]
        epochs = milestone_epochs(4)  # --quick trains 4 epochs
        figures = ["exercise3_losses.png", *(f"exercise3_epoch_{epoch}.png" for epoch in epochs)]
        return f"FLAGS = {flags!r}", figures, len(figures)
    flags = ["--quick", "--epochs", "1", "--out", str(out)]
    return TINY_ABLATIONS + f"FLAGS = {flags!r}", ["objective.png", "curves.png"], 2


def with_parameters(notebook, source):
    """The notebook with ``source`` run right after its ``parameters`` cell, as papermill does."""
    tagged = [i for i, cell in enumerate(notebook.cells)
              if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, "a notebook has exactly one cell tagged parameters"
    notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(source))
    return notebook


def shown_images(notebook):
    return sum("image/png" in output.get("data", {})
               for cell in notebook.cells for output in cell.get("outputs", []))


@pytest.mark.parametrize("name", make_notebooks.NOTEBOOKS)
def test_committed_notebook_is_what_the_script_makes(name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == make_notebooks.notebook_text(name), (
        f"docs/{name} differs from {make_notebooks.NOTEBOOKS[name]}: "
        "run python docs/make_notebooks.py and commit the result")


def test_no_notebook_in_docs_lacks_a_script():
    assert {path.name for path in DOCS.glob("*.ipynb")} == set(make_notebooks.NOTEBOOKS)


def test_a_set_repository_reaches_the_clone_cell_and_nothing_else(tmp_path):
    conf = tmp_path / "conf.py"
    conf.write_text((PROJECT_ROOT / "conf.py").read_text().replace(
        'repository_url = ""', 'repository_url = "https://github.com/example/pix2pix-course"'))
    notebook = nbformat.reads(make_notebooks.notebook_text("exercise1.ipynb", conf), 4)
    assert 'COURSE_URL = "https://github.com/example/pix2pix-course"' in notebook.cells[1].source
    unset = nbformat.reads(make_notebooks.notebook_text("exercise1.ipynb"), 4)
    assert unset.cells[2:] == notebook.cells[2:]


def test_with_a_repository_each_page_opens_its_notebooks_in_colab_from_text_and_theme(tmp_path):
    subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c",
                    str(PROJECT_ROOT), "-b", "html", "-D", f"repository_url={REPOSITORY}",
                    str(DOCS), str(tmp_path)], check=True)
    colab = "https://colab.research.google.com/github/example/pix2pix-course/blob/main/docs/"
    for page, notebooks in PAGES.items():
        html = (tmp_path / f"{page}.html").read_text(encoding="utf-8")
        buttons = re.findall(r'<a class="sd-btn[^"]*" href="(https://colab[^"]*)"', html)
        assert buttons == [colab + notebook for notebook in notebooks], page
        theme = re.findall(r'<a href="(https://colab[^"]*)" target="_blank"', html)
        assert theme == [colab + notebooks[0]], page
    assert "colab" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert sorted(sum(PAGES.values(), [])) == sorted(make_notebooks.NOTEBOOKS)


def test_the_script_docstring_opens_the_notebook_as_its_title():
    notebook = nbformat.reads(make_notebooks.notebook_text("exercise2.ipynb"), 4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# Exercise 2")
    assert "outputs/exercise2/&lt;study>.png" in first.source  # not read as an HTML tag
    assert not any("__main__" in cell.source for cell in notebook.cells)


@pytest.mark.parametrize("name", make_notebooks.NOTEBOOKS)
def test_notebook_runs_on_the_cpu_and_shows_the_figures_its_page_names(
        name, official_checkpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))  # this copy's pix2pix in the kernel
    source, figures, shown = quick_run(name, tmp_path / "out", official_checkpoint)
    notebook = with_parameters(nbformat.read(DOCS / name, as_version=4), source)
    started = time.perf_counter()
    # the kernel starts in docs/, where a student opens the notebook
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(DOCS)}}).execute()
    print(f"{name}: {time.perf_counter() - started:.1f} s")
    for pattern in figures:
        written = list((tmp_path / "out").glob(pattern))
        assert written and all(path.stat().st_size > 1000 for path in written), pattern
    assert shown_images(notebook) == shown
