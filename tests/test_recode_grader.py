"""The Re-code grader: fails the starter with hints, passes the solutions, names each mistake.

Each common mistake is planted into a copy of the reference solution and graded in-process;
one test runs exercises/check.py as a student would, in a subprocess.
"""

import importlib.util
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from pix2pix.facades import BACKGROUND, CMP_PALETTE, FACADE, ids_to_rgb, read_label_ids
from pix2pix.paths import PROJECT_ROOT

EXERCISES = PROJECT_ROOT / "exercises"
STARTER = EXERCISES / "recode"
SOLUTIONS = EXERCISES / "recode_solutions"

spec = importlib.util.spec_from_file_location("recode_check", EXERCISES / "check.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


@pytest.fixture(scope="module")
def solution_results():
    return check.grade(SOLUTIONS)


def by_name(results):
    return {r.name: r for r in results}


def test_the_reference_solution_passes_every_check(solution_results):
    failures = [(r.name, r.status, r.hint) for r in solution_results if r.status != "PASS"]
    assert failures == []
    assert {r.part for r in solution_results} == set(check.PARTS)


def test_the_untouched_starter_passes_nothing_and_says_where_to_start():
    results = check.grade(STARTER)
    assert len(results) == len(check.CHECKS)
    assert {r.status for r in results} == {"NOT DONE"}
    assert all(r.hint.startswith("not done yet") and "docs/recode.rst" in r.hint
               for r in results)


def test_starter_and_solutions_hold_the_same_python_files_and_only_solutions_a_facade():
    def names(folder):
        return sorted(p.name for p in folder.glob("*.py"))

    assert names(STARTER) == names(SOLUTIONS)
    graded = {name for files in check.PARTS.values() for name in files.split(" + ")}
    assert graded == set(names(SOLUTIONS)) | {check.FACADE_FILE}
    assert (SOLUTIONS / check.FACADE_FILE).is_file()
    assert not (STARTER / check.FACADE_FILE).exists()


def plant(tmp_path, filename, old, new):
    """A copy of the reference solution with ``old`` replaced by ``new`` in ``filename``."""
    folder = tmp_path / "planted"
    shutil.copytree(SOLUTIONS, folder)
    path = folder / filename
    text = path.read_text()
    planted = re.sub(old, new, text)
    assert planted != text, f"the mistake could not be planted in {filename}"
    path.write_text(planted)
    return folder


# (mistake, file, pattern, replacement, the check that must fail, a word its hint must contain,
#  every check of that part that fails)
MISTAKES = [
    ("missing detach", "gan_step.py", r"fake_image\.detach\(\)", "fake_image",
     "D's update detaches the fake (no gradient reaches G)", ".detach()",
     {"D's update detaches the fake (no gradient reaches G)"}),
    ("double sigmoid", "losses.py", r"(\n    real_loss = )",
     r"\n    real_logits, fake_logits = real_logits.sigmoid(), fake_logits.sigmoid()\1",
     "losses take logits (no double sigmoid)", "double sigmoid",
     {"losses take logits (no double sigmoid)"}),
    ("lambda on the adversarial term", "losses.py", r"adversarial \+ lambda_l1 \* l1,",
     "lambda_l1 * (adversarial + l1),",
     "lambda weights the L1 term only", "adversarial term too",
     {"lambda weights the L1 term only"}),
    ("D loss not halved", "losses.py", r"0\.5 \* \(real_loss \+ fake_loss\)",
     "real_loss + fake_loss", "D loss is halved", "not halved", {"D loss is halved"}),
    ("different crop for the two images", "augment.py", r"(def crop_and_flip\(image\):\n)",
     r"\1        top = int(torch.randint(0, LOAD_SIZE - CROP_SIZE + 1, ()))\n",
     "same crop and flip for both images", "different crops",
     {"same crop and flip for both images"}),
    ("skip features replaced by zeros", "unet_blocks.py", r"torch\.cat\(\[skip,",
     "torch.cat([torch.zeros_like(skip),", "skip connections reach the decoder", "torch.cat",
     {"skip connections reach the decoder"}),
    ("no skip concatenation", "unet_blocks.py", r"h = torch\.cat\(\[skip, up\(h\)\], dim=1\)",
     "h = up(h)", "skip connections reach the decoder", "torch.cat",
     {"U-Net output has the input's size, in [-1, 1]", "skip connections reach the decoder"}),
    ("stride 2 in C512", "patchgan.py", r"(8 \* ndf, kernel_size=4, stride=)1", r"\g<1>2",
     "receptive field is 70x70", "strides 2, 2, 2, 1, 1",
     {"receptive field is 70x70", "output is a 30x30 grid for 256x256 images"}),
    ("no norm in the PatchGAN", "patchgan.py", r"nn\.BatchNorm2d\(\d \* ndf\)", "nn.Identity()",
     "BatchNorm after C128, C256 and C512 only", "found 0 BatchNorm2d",
     {"BatchNorm after C128, C256 and C512 only", "parameter count is the paper's 2,768,705"}),
]


@pytest.mark.parametrize("mistake, filename, old, new, expected, hint_word, failing", MISTAKES,
                         ids=[m[0] for m in MISTAKES])
def test_each_planted_mistake_is_named_by_its_check(tmp_path, mistake, filename, old, new,
                                                    expected, hint_word, failing):
    part = next(p for p, files in check.PARTS.items() if files == filename)
    results = by_name(check.grade(plant(tmp_path, filename, old, new), [part]))
    assert results[expected].status in {"FAIL", "ERROR"}
    assert hint_word in results[expected].hint
    assert {name for name, r in results.items() if r.status != "PASS"} == failing


def solution_facade_ids():
    ids, _, _ = read_label_ids(Image.open(SOLUTIONS / "my_facade.png"))
    return ids


FACADE_MISTAKES = {  # mistake -> (label image, the one facade check that must fail)
    "wrong size": (lambda: ids_to_rgb(solution_facade_ids())[:200], "facade label is 256x256"),
    "CMP colours": (lambda: ids_to_rgb(solution_facade_ids(), CMP_PALETTE),
                    "facade label uses the model's palette"),
    "wall only": (lambda: ids_to_rgb(np.where(np.arange(256)[:, None] < 20, BACKGROUND,
                                              np.full((256, 256), FACADE))),
                  "facade label covers wall, windows and more"),
}


@pytest.mark.parametrize("mistake", FACADE_MISTAKES)
def test_each_facade_mistake_is_named_by_its_check(tmp_path, mistake):
    make_label, expected = FACADE_MISTAKES[mistake]
    path = tmp_path / "my_facade.png"
    Image.fromarray(make_label()).save(path)
    results = check.grade(SOLUTIONS, ["facade"], facade=path)
    assert [r.name for r in results if r.status != "PASS"] == [expected]
    assert by_name(results)[expected].status == "FAIL"


def test_code_that_does_not_even_import_is_reported_not_crashed(tmp_path):
    folder = plant(tmp_path, "losses.py", r"def generator_loss\(", "def generator_loss((")
    results = check.grade(folder, ["losses"])
    assert {r.status for r in results} == {"ERROR"}
    assert all("SyntaxError" in r.hint for r in results)


def test_check_py_prints_the_score_table_and_exits_zero_on_the_solutions():
    command = [sys.executable, str(EXERCISES / "check.py"), "losses", "--solutions", str(SOLUTIONS)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "losses      5/5" in run.stdout
    assert "total       5/5" in run.stdout


def test_check_py_exits_nonzero_on_the_starter():
    assert check.main(["augment", "--solutions", str(STARTER)]) == 1


def as_page_block(text):
    """``text`` indented as in an RST code block."""
    return "\n".join("   " + line if line else "" for line in text.splitlines())


def test_the_score_table_on_the_recode_page_is_the_current_output(solution_results):
    page = (PROJECT_ROOT / "docs" / "recode.rst").read_text()
    assert as_page_block(check.report(solution_results, "exercises/recode_solutions")) in page


def test_the_failing_example_on_the_recode_page_is_the_current_output(tmp_path):
    page = (PROJECT_ROOT / "docs" / "recode.rst").read_text()
    folder = plant(tmp_path, *MISTAKES[0][1:4])
    part_lines = check.report(check.grade(folder, ["update"]), folder).split("\n\n")[1]
    assert as_page_block(part_lines) in page


def test_odd_return_values_and_missing_files_are_graded_not_crashed(tmp_path):
    folder = plant(tmp_path, "losses.py", r"return 0\.5 \* \(real_loss \+ fake_loss\)",
                   "return None")
    (folder / "augment.py").unlink()
    results = check.grade(folder, ["losses", "augment"])
    d_loss_checks = {"losses take logits (no double sigmoid)", "D loss is halved"}
    assert {r.status for r in results if r.name in d_loss_checks} == {"ERROR"}
    assert all("augment.py is missing" in r.hint for r in results if r.part == "augment")
