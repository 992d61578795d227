"""Where the Re-code grader runs a student's code: a child process per part, timed, stopped by
Ctrl+C without losing the parts graded; and what that code may not do (patch the grader, change
torch's global switches, end the process) is named in the report."""

import signal
import subprocess
import sys
import time

import pytest

from tests.recode_support import EXERCISES, check, plant, shown_hints

ENDLESS = (r"(    input_image = resize_to_load_size\(input_image\)\n)",
           r"    while True:\n        pass\n\1")  # planted in augment.py


def test_an_endless_loop_is_stopped_with_its_line_and_the_other_parts_still_graded(tmp_path):
    folder = plant(tmp_path, "augment.py", ENDLESS)
    loop = [n for n, text in enumerate((folder / "augment.py").read_text().splitlines(), 1)
            if text.strip() in ("while True:", "pass")]
    start = time.monotonic()
    results = check.grade(folder, ["augment", "losses"], time_limit=3)
    assert time.monotonic() - start < 60
    stuck, *rest = [r for r in results if r.part == "augment"]
    assert stuck.status == "ERROR" and stuck.error.startswith("did not finish in 3 s")
    assert any(f"augment.py, line {line} (paired_jitter)" in stuck.error for line in loop)
    assert "not run" in stuck.hint and {r.hint for r in rest} == {stuck.hint}
    assert {r.status for r in results if r.part == "losses"} == {"PASS"}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is how a terminal sends Ctrl+C")
def test_ctrl_c_prints_the_parts_graded_so_far_without_a_traceback(tmp_path):
    marker = tmp_path / "looping"
    folder = plant(tmp_path, "augment.py", (ENDLESS[0], rf"    open({str(marker)!r}, 'w')"
                                            r".close()\n" + ENDLESS[1]))
    run = subprocess.Popen([sys.executable, str(EXERCISES / "check.py"), "--folder", str(folder)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not marker.exists() and run.poll() is None:
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130 and "Traceback" not in out + err
    table = out.split("part        score")[1].split("Stopped")[0]
    assert "update      8/8" in table and "augment" not in table
    assert ("Stopped by Ctrl+C while grading augment; not graded: augment, facade, overfit, "
            "questions") in out


def test_code_that_ends_python_is_reported_and_the_next_part_still_graded(tmp_path):
    folder = plant(tmp_path, "losses.py", (r"\nimport torch\n", "\nimport os\nimport torch\n"),
                   (r"(def discriminator_loss\(real_logits, fake_logits\):\n)",
                    r"\1    os._exit(3)\n"))
    results = check.grade(folder, ["losses", "augment"])
    first = results[0]
    assert (first.status, first.error) == (
        "ERROR", "the process grading this part stopped (exit code 3) during this check")
    assert {r.status for r in results if r.part == "augment"} == {"PASS"}


PATCHES = {  # what a student's file replaces -> the planted lines
    "the grader's run_check": "import worker\nworker.run_check = lambda *args: None\n",
    "the grader's comparison": "import grading\ngrading.close = lambda *args, **kwargs: True\n",
    "the package's reference losses": "import pix2pix.losses\n"
                                      "pix2pix.losses.discriminator_loss = lambda r, f: 0\n",
    "torch's comparison": "torch.allclose = lambda *args, **kwargs: True\n",
}


@pytest.mark.parametrize("patch", PATCHES)
def test_a_file_that_patches_the_grader_is_named_and_its_part_scores_nothing(tmp_path, patch):
    folder = plant(tmp_path, "losses.py", (r"\nimport torch\n",
                                           f"\nimport torch\n{PATCHES[patch]}"))
    results = check.grade(folder, ["losses", "augment"])
    hint, = shown_hints([r for r in results if r.part == "losses"])
    assert hint.startswith("losses.py replaces ") and "scores nothing" in hint
    assert {r.status for r in results if r.part == "losses"} == {"FAIL"}
    assert {r.status for r in results if r.part == "augment"} == {"PASS"}  # a fresh process


def test_a_patch_made_while_a_check_runs_is_named_too(tmp_path):
    folder = plant(tmp_path, "losses.py", (r"(def generator_loss\(.*\n(.*\n)*?    \"\"\"\n)",
                                           r"\1    import grading\n"
                                           r"    grading.fail_on = lambda problem: None\n"))
    results = check.grade(folder, ["losses"])
    assert {r.status for r in results} == {"FAIL"}
    assert shown_hints(results)[0].startswith("losses.py replaces grading.fail_on")


def test_autograd_turned_off_at_import_is_blamed_on_that_file_and_undone(tmp_path):
    folder = plant(tmp_path, "augment.py", (r"\nimport torch\n",
                                            "\nimport torch\n\ntorch.set_grad_enabled(False)\n"))
    results = check.grade(folder, ["augment", "update", "overfit"])
    hint, = shown_hints([r for r in results if r.part == "augment"])
    assert hint.startswith("augment.py, when imported, turns autograd off")
    assert {r.status for r in results if r.part != "augment"} == {"PASS"}


def test_a_switch_left_changed_by_a_function_fails_that_check_and_is_undone(tmp_path):
    folder = plant(tmp_path, "losses.py", (r"(    l1 = F\.l1_loss\(fake_image, target_image\)\n)",
                                           r"\1    torch.set_default_dtype(torch.float64)\n"))
    results = {r.name: r for r in check.grade(folder, ["losses", "update"])}
    assert results["lambda weights the L1 term only"].hint.startswith(
        "your code makes torch.float64 the default dtype (torch.set_default_dtype)")
    assert results["D's loss: real 1, fake 0, halved"].status == "PASS"  # no generator_loss
    assert {r.status for r in results.values() if r.part == "update"} == {"PASS"}
