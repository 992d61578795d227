"""Write the exercise notebooks docs/exercise*.ipynb from the exercise scripts: the one source.

Each script in exercises/ is also a notebook in jupytext's percent format: ``# %%`` starts a code
cell, ``# %% [markdown]`` a text cell, and the cells tagged ``active-ipynb`` -- commented out in
the script, so the command line never runs them -- call ``main()`` in the notebook and show its
figures inline. This command turns each script into the notebook its page links to, and adds
what a notebook needs and a script does not:

1. the script's docstring becomes the first text cell, its first line the title;
2. a first code cell gets the course: it finds it around the notebook, or on a cloud machine
   (Colab) clones it from ``repository_url`` in conf.py, the one place the URL is written, and
   installs the requirements;
3. the cells tagged ``active-py`` (``if __name__ == "__main__": ...``) are left out;
4. no outputs, fixed cell ids, sorted keys: the same scripts always give the same bytes.

Command (from any directory), after changing an exercise script or conf.py's repository_url:

    python docs/make_notebooks.py           # rewrite the notebooks, then commit them
    python docs/make_notebooks.py --check   # only list the notebooks that differ (exit 1)

tests/test_notebooks.py fails while a committed notebook differs from what this writes, and runs
every notebook on the CPU. Runtime: about a second.
"""

import argparse
import ast
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOCS = PROJECT_ROOT / "docs"
CONF = PROJECT_ROOT / "conf.py"
# notebook (named after its page, so that the page theme's Colab button finds it) -> script
NOTEBOOKS = {
    "exercise1.ipynb": "exercises/exercise1_observe.py",
    "exercise2.ipynb": "exercises/exercise2_explore.py",
    "exercise3.ipynb": "exercises/exercise3_train.py",
    "exercise3_ablations.ipynb": "exercises/exercise3_ablations.py",
}
GPU_NOTEBOOKS = {"exercise3.ipynb"}  # Colab opens these on a GPU machine
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}
# Colab's own notebook metadata for "Runtime > Change runtime type > T4 GPU"
COLAB_GPU = {"accelerator": "GPU", "colab": {"gpuType": "T4"}}

SETUP_CELL = '''\
# Get the course. Opened inside your copy of the course, this notebook finds it in a folder
# above. Opened on a cloud machine such as Colab, it clones the course and installs its
# requirements (a few minutes, once per machine).
import os
import subprocess
import sys
from pathlib import Path

COURSE_URL = {url}  # repository_url in the course's conf.py
COURSE_BRANCH = {branch}

here = Path.cwd().resolve()
course = next((folder for folder in (here, *here.parents)
               if (folder / "pix2pix" / "__init__.py").is_file()), None)
if course is None:
    if not COURSE_URL:
        raise RuntimeError("This notebook runs inside a copy of the course: open it from the "
                           "docs/ folder of yours.")
    course = here / "pix2pix-course"
    if not course.is_dir():
        subprocess.run(["git", "clone", "--depth", "1", "--branch", COURSE_BRANCH, COURSE_URL,
                        str(course)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r",
                    "requirements.txt"], cwd=course, check=True)
os.chdir(course)  # the course's commands run from its folder
if str(course) not in sys.path:
    sys.path.insert(0, str(course))  # a package installed a moment ago is not importable yet
print(f"the course: {{course}}")'''


def read_repository(conf=CONF):
    """``repository_url`` and ``repository_branch`` as conf.py sets them, without running it.

    conf.py is Sphinx's file (it expects Sphinx's ``tags``); its two plain string assignments
    are read from its syntax tree.

    Returns:
        (url, branch); url is "" while the repository is not set.
    """
    values = {}
    for statement in ast.parse(Path(conf).read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            name = getattr(statement.targets[0], "id", None)
            if name in ("repository_url", "repository_branch"):
                values[name] = ast.literal_eval(statement.value)
    return values["repository_url"], values["repository_branch"]


def docstring_cell(source):
    """The script's docstring as a text cell: its first line a title, the rest as written.

    The docstrings are plain text with ``code`` in double backticks, which Markdown reads as
    code too; only a ``<name>`` outside code would vanish as an HTML tag, so it is escaped.
    """
    text = ast.literal_eval(source).strip()
    parts = re.split(r"(``.+?``)", text, flags=re.DOTALL)
    text = "".join(part if part.startswith("``") else part.replace("<", "&lt;")
                   for part in parts)
    return nbformat.v4.new_markdown_cell("# " + text)


def make_notebook(script, url, branch, gpu=False):
    """The notebook of one exercise script.

    Args:
        script: path of the script, in jupytext's percent format.
        url: the course's repository ("" while unset).
        branch: the branch to clone.
        gpu: ask Colab for a GPU machine.

    Returns:
        An ``nbformat`` notebook without outputs.
    """
    percent = jupytext.read(script, fmt="py:percent")
    first, *cells = percent.cells
    if not first.source.startswith('"""'):
        raise ValueError(f"{script} must start with its docstring")
    notebook = nbformat.v4.new_notebook(metadata={**KERNEL, **(COLAB_GPU if gpu else {})})
    setup = SETUP_CELL.format(url=json.dumps(url), branch=json.dumps(branch))
    notebook.cells = [docstring_cell(first.source), nbformat.v4.new_code_cell(setup)]
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        if "active-py" in tags:
            continue  # the script's own entry point: the notebook calls main() itself
        kept = [tag for tag in tags if tag != "active-ipynb"]
        make = (nbformat.v4.new_markdown_cell if cell.cell_type == "markdown"
                else nbformat.v4.new_code_cell)
        notebook.cells.append(make(cell.source, metadata={"tags": kept} if kept else {}))
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # nbformat draws random ids; fixed ones keep the file stable
    return notebook


def notebook_text(name, conf=CONF):
    """The text of ``docs/<name>`` as this command writes it."""
    url, branch = read_repository(conf)
    notebook = make_notebook(PROJECT_ROOT / NOTEBOOKS[name], url, branch,
                             gpu=name in GPU_NOTEBOOKS)
    return nbformat.writes(notebook) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; list the notebooks that differ from the scripts "
                             "and exit 1 if any does (default: off)")
    args = parser.parse_args(argv)
    differ = []
    for name in NOTEBOOKS:
        path, text = DOCS / name, notebook_text(name)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        differ.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check:
        for path in differ:
            print(f"differs from its script: {path}. Run: python docs/make_notebooks.py")
        if not differ:
            print(f"all {len(NOTEBOOKS)} notebooks are what their scripts make")
        return 1 if differ else 0
    print(f"{len(NOTEBOOKS) - len(differ)} of {len(NOTEBOOKS)} notebooks were already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
