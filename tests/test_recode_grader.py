"""The Re-code grader: passes the solutions, fails the starter with hints, reports without
tracebacks or reference code, and its page shows its real output.

The planted mistakes and the correct alternatives are in test_recode_mistakes.py, the questions
in test_recode_questions.py.
"""

import io
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch
from PIL import Image

from pix2pix.datasets.facades import BACKGROUND, CMP_PALETTE, FACADE, ids_to_rgb, read_label_ids
from pix2pix.paths import PROJECT_ROOT
from tests.recode_support import (EXERCISES, PART_CHECKS, SOLUTIONS, STARTER, check, checks,
                                  grading, part_of, plant, reference_code_in)

PAGE = (PROJECT_ROOT / "docs" / "recode.rst").read_text()


@pytest.fixture(scope="module")
def solution_grading():
    start = time.perf_counter()
    results = check.grade(SOLUTIONS)
    return results, time.perf_counter() - start


def test_the_reference_solution_passes_every_check(solution_grading):
    results, _ = solution_grading
    assert [(r.name, r.status, r.hint, r.error) for r in results if r.status != "PASS"] == []
    assert {r.part for r in results} == set(check.PARTS)


def test_grading_every_part_takes_at_most_15_seconds(solution_grading):
    _, seconds = solution_grading
    assert seconds < 15


def test_the_untouched_starter_is_not_done_everywhere_without_a_traceback():
    run = subprocess.run([sys.executable, str(EXERCISES / "check.py")], capture_output=True,
                         text=True, cwd=PROJECT_ROOT.parent)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    results = check.grade(STARTER)
    assert len(results) == sum(map(len, PART_CHECKS.values()))
    assert {r.status for r in results} == {"NOT DONE"}
    assert all(r.hint.startswith("not done yet") and ".html)" in r.hint for r in results)
    assert reference_code_in(run.stdout) == []


def test_starter_and_solutions_hold_the_same_python_files_and_only_solutions_a_facade():
    def names(folder):
        return sorted(p.name for p in folder.glob("*.py"))

    assert names(STARTER) == names(SOLUTIONS)
    graded = {name for files, _ in check.PARTS.values() for name in files.split(" + ")}
    assert graded == set(names(SOLUTIONS)) | {checks.facade.FACADE_FILE}
    assert (SOLUTIONS / checks.facade.FACADE_FILE).is_file()
    assert not (STARTER / checks.facade.FACADE_FILE).exists()


def grade_and_print(folder, *parts):
    """What ``python exercises/check.py [part ...] --folder folder`` prints, and its exit code."""
    output = io.StringIO()
    with redirect_stdout(output):
        code = check.main([*parts, "--folder", str(folder)])
    return output.getvalue(), code


def test_a_syntax_error_is_one_message_per_file_with_its_line_and_no_reference_code(tmp_path):
    folder = plant(tmp_path, "losses.py", (r"def generator_loss\(", "def generator_loss(("))
    path = folder / "gan_step.py"
    path.write_text(path.read_text().replace("    optimizer.step()", "    optimizer.step(", 1))
    output, code = grade_and_print(folder)
    line = next(n for n, text in enumerate((folder / "losses.py").read_text().splitlines(), 1)
                if "generator_loss((" in text)
    assert code == 1 and "Traceback" not in output
    assert output.count(f"does not load: losses.py, line {line}:") == 1
    assert output.count("does not load: gan_step.py, line") == 1
    assert reference_code_in(output) == []
    rows = [r for r in check.grade(folder, ["losses"])]
    assert {r.status for r in rows} == {"ERROR"} and not any(r.hint for r in rows)


def test_an_import_error_names_the_file_and_its_line(tmp_path):
    folder = plant(tmp_path, "augment.py", (r"\nimport torch\n", "\nimport torch\nimport torchh\n"))
    output, _ = grade_and_print(folder, "augment")
    assert "does not load: augment.py, line 8: ModuleNotFoundError: No module named 'torchh'" \
        in output
    assert "Traceback" not in output


def test_a_missing_file_is_one_message_that_says_where_to_get_it(tmp_path):
    folder = plant(tmp_path, "losses.py", (r"return 0\.5 \* \(real_loss \+ fake_loss\)",
                                           "return None"))
    (folder / "augment.py").unlink()
    output, _ = grade_and_print(folder)
    assert output.count("augment.py is missing: copy it from") == 1
    results = check.grade(folder, ["losses", "augment"])
    assert {r.status for r in results if r.part == "augment"} == {"ERROR"}
    d_loss_checks = {"losses take logits: confident right verdicts cost ~0",
                     "D's loss: real 1, fake 0, halved"}
    assert {r.status for r in results if r.name in d_loss_checks} == {"ERROR"}


def test_the_report_shows_each_distinct_hint_once_per_part():
    result = grading.Result
    rows = [result("p", "first", "FAIL", "the hint"), result("p", "second", "FAIL", "the hint"),
            result("p", "third", "FAIL", "another hint"),
            result("q", "fourth", "FAIL", "the hint")]
    text = grading.report(rows, "folder", {"p": ("p.py", checks.on_page("recode", "Part P")),
                                           "q": ("q.py", checks.on_page("recode", "Part Q"))})
    assert text.count("hint: the hint") == 2  # once in part p, once in part q
    assert text.count("(the same problem as above)") == 1
    assert text.count('read: "Part P" on the Re-code track page') == 1


def test_check_py_prints_the_score_table_and_exits_zero_on_the_solutions():
    command = [sys.executable, str(EXERCISES / "check.py"), "losses", "--folder", str(SOLUTIONS)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "losses      5/5" in run.stdout
    assert "total       5/5" in run.stdout


def test_a_folder_that_is_not_there_is_refused_with_the_fix(tmp_path, capsys):
    assert check.main(["--folder", str(tmp_path / "nowhere")]) == 2
    assert "--folder exercises/recode" in capsys.readouterr().err


def headings(page):
    """The section titles of an RST page."""
    lines = page.splitlines()
    return {title for title, underline in zip(lines, lines[1:])
            if title and re.fullmatch(r"([-=~^])\1+", underline) and len(underline) >= len(title)}


def test_every_section_a_hint_points_to_is_a_heading_of_recode_rst():
    sections = {section for _, section in check.PARTS.values()}
    assert sections <= headings(PAGE)
    gaps = " ".join(path.read_text() for path in STARTER.glob("*.py"))
    sections = re.findall(r"'([^']+)' on the Re-code track page \(recode\.html\)", gaps)
    assert len(sections) == 5 and set(sections) <= headings(PAGE)


def test_hints_name_each_page_by_the_first_words_of_its_title_and_its_html_file():
    for page, title in checks.PAGES.items():
        text = (PROJECT_ROOT / "docs" / f"{page}.rst").read_text()
        assert any(line.startswith(title) and line.split(":")[0] == title
                   for line in text.splitlines()[:8])
    assert checks.on_page("recode", "Part 1: U-Net blocks") == \
        '"Part 1: U-Net blocks" on the Re-code track page (recode.html)'


def as_page_block(text):
    """``text`` indented as in an RST code block."""
    return "\n".join("   " + line if line else "" for line in text.splitlines())


def test_the_score_table_on_the_recode_page_is_the_current_output(solution_grading):
    results, _ = solution_grading
    assert as_page_block(check.score_table(results, "tests/recode_reference")) in PAGE


def test_the_failing_example_on_the_recode_page_is_the_current_output(tmp_path):
    folder = plant(tmp_path, "gan_step.py", (r"fake_image\.detach\(\)", "fake_image"))
    text = check.score_table(check.grade(folder, ["update"]), folder)
    assert as_page_block(text.split("\n\n")[1]) in PAGE


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
    results = check.grade(SOLUTIONS, ["facade"], facade_path=path)
    assert [r.name for r in results if r.status != "PASS"] == [expected]


def test_the_update_checks_use_real_modules_that_see_batches_and_modes():
    nets = checks.update.stand_ins()
    assert isinstance(nets.discriminator, torch.nn.Module)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in nets.discriminator.modules())
    nets.discriminator.eval()(nets.input_image, nets.target_image)
    assert nets.discriminator.calls == [(2, False)]


BORROWED = {  # (file, lines appended to the reference's copy) -> what the hint names
    "the reference, imported by path": (
        "losses.py", "from tests.recode_reference.losses import *\n", "the reference solution"),
    "the reference's old folder": (
        "losses.py", "from recode_solutions.losses import *\n", "recode_solutions"),
    "the package's losses": (
        "losses.py", "from pix2pix.losses import discriminator_loss, generator_loss\n",
        "pix2pix.losses (discriminator_loss, generator_loss)"),
    "the package's losses inside a function": (
        "losses.py", "\n\ndef discriminator_loss(real_logits, fake_logits):\n"
                     "    import pix2pix.losses\n"
                     "    return pix2pix.losses.discriminator_loss(real_logits, fake_logits)\n",
        "pix2pix.losses (in a function)"),
    "the package's blocks": (
        "unet_blocks.py", "from pix2pix.models import DownBlock, UpBlock\n",
        "pix2pix.models (DownBlock, UpBlock)"),
    "a subclass of the package's D": (
        "patchgan.py", "from pix2pix.models import PatchGANDiscriminator\n\n\n"
                       "class PatchGAN(PatchGANDiscriminator):\n    pass\n",
        "pix2pix.models (PatchGAN)"),
    "the package's jitter under another name": (
        "augment.py", "from pix2pix.data import paired_jitter as _jitter\n\n\n"
                      "def paired_jitter(input_image, target_image):\n"
                      "    return _jitter(input_image, target_image, None, 256)\n",
        "pix2pix.data (_jitter)"),
    "the package's update steps": (
        "gan_step.py", "from pix2pix.step import set_requires_grad\n\n\n"
                       "def update_generator(*args):\n    set_requires_grad(args[0], False)\n",
        "pix2pix.step (set_requires_grad)"),
}


@pytest.mark.parametrize("case", BORROWED)
def test_a_file_that_takes_its_answer_is_named_and_scores_nothing_in_its_part(tmp_path, case):
    filename, lines, named = BORROWED[case]
    folder = plant(tmp_path, filename, (r"\Z", f"\n{lines}"))
    results = check.grade(folder, [part_of(filename)])
    assert {r.status for r in results} == {"FAIL"}
    hint, = {r.hint for r in results}
    assert hint.startswith(f"{filename} takes its answer instead of writing it") and named in hint


def test_answers_measured_with_the_package_and_helpers_the_starter_imports_are_welcome(tmp_path):
    folder = plant(tmp_path, "answers.py", (
        r"WINDOW_RGB = \(0, 128, 255\)",
        "from pix2pix.datasets.facades import CLASS_NAMES, MODEL_PALETTE\n\n"
        "WINDOW_RGB = tuple(int(v) for v in MODEL_PALETTE[CLASS_NAMES.index('window')])"))
    folder = plant(tmp_path / "again", "gan_step.py", (r"\Z", "\nimport pix2pix.losses\n"),
                   source=folder)
    results = check.grade(folder, ["questions", "update"])
    assert {r.status for r in results} == {"PASS"}


def test_the_reference_is_out_of_the_import_path_the_grader_gives_a_student_file(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    for name in ("recode_solutions", "recode_reference", "tests.recode_reference"):
        code = f"import sys; sys.path[0] = {str(EXERCISES)!r}; import {name}"  # as check.py
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=tmp_path, env=env)
        assert "ModuleNotFoundError" in run.stderr, name


def test_a_facade_given_with_facade_is_named_in_its_parts_heading(tmp_path):
    label = tmp_path / "elsewhere.png"
    label.write_bytes((SOLUTIONS / "my_facade.png").read_bytes())
    text = check.score_table(check.grade(SOLUTIONS, ["facade"], label), SOLUTIONS, label)
    assert f"facade ({label})  3/3" in text
