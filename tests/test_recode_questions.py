"""The Re-code questions: every expected answer is what the course's code measures, answers are
read in the forms a student writes them, and a discussion appears only after an attempt."""

import itertools
import math
import re
import time

import pytest
import torch

from pix2pix.probes import receptive_field as probe_receptive_field
from pix2pix.datasets.facades import CLASS_NAMES, CMP_PALETTE, MODEL_PALETTE
from pix2pix.inference import SeededDropout, paper_mode, translate
from pix2pix.losses import discriminator_loss
from pix2pix.models import (DiscriminatorConfig, GeneratorConfig, PatchGANDiscriminator,
                            UNetGenerator)
from pix2pix.paths import PROJECT_ROOT
from tests.recode_support import SOLUTIONS, STARTER, check, checks

QUESTIONS = {question.name: question for question in checks.questions.QUESTIONS}


def patchgan_grid_512():
    discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8))
    return tuple(discriminator(torch.randn(1, 3, 512, 512), torch.randn(1, 3, 512, 512))
                 .shape[-2:])


def receptive_field(patch_size):
    discriminator = PatchGANDiscriminator(DiscriminatorConfig(ndf=8, patch_size=patch_size))
    field = probe_receptive_field(discriminator, image_size=512)
    assert field.height == field.width
    return field.height


def dropout_layers_in_paper_mode():
    generator = UNetGenerator(GeneratorConfig(ngf=4))  # unet_256's layout, narrower
    with paper_mode(generator, seeds=[0]):
        return sum(isinstance(m, SeededDropout) for m in generator.modules())


def dropout_seed_of_image_3():
    generator = UNetGenerator(GeneratorConfig(ngf=4, num_downs=6))  # one dropout layer
    labels = torch.rand(4, 3, 64, 64) * 2 - 1
    in_batch = translate(generator, labels, seed=7)[3]
    seeds = [seed for seed in range(7, 12)  # the image alone, with each seed it could have had
             if torch.allclose(translate(generator, labels[3:], seed=seed)[0], in_batch)]
    assert len(seeds) == 1
    return seeds[0]


MEASURED = {  # question -> how the course's own code answers it
    "PATCHGAN_GRID_512": patchgan_grid_512,
    # one more stride-2 layer than the paper's 70x70: the 142x142 PatchGAN of the package
    "RECEPTIVE_FIELD_ONE_MORE_LAYER": lambda: receptive_field(patch_size=142),
    "DROPOUT_LAYERS_IN_PAPER_MODE": dropout_layers_in_paper_mode,
    "DROPOUT_SEED_OF_IMAGE_3": dropout_seed_of_image_3,
    "WINDOW_RGB": lambda: tuple(int(v) for v in MODEL_PALETTE[CLASS_NAMES.index("window")]),
    "SHARED_COLOUR_CLASS": lambda: next(name for name, cmp, model in
                                        zip(CLASS_NAMES, CMP_PALETTE, MODEL_PALETTE)
                                        if (cmp == model).all()),
    "D_LOSS_AT_LOGIT_ZERO": lambda: float(discriminator_loss(torch.zeros(1, 1, 30, 30),
                                                             torch.zeros(1, 1, 30, 30))),
}


def test_every_question_has_a_measurement():
    assert set(MEASURED) == set(QUESTIONS)


@pytest.mark.parametrize("name", MEASURED)
def test_each_expected_answer_is_what_the_package_measures(name):
    question = QUESTIONS[name]
    measured = checks.questions.read_answer(MEASURED[name](), question.kind)
    assert checks.questions.digest(measured) == question.digest


def test_the_discussions_claims_are_measured_too():
    assert receptive_field(patch_size=286) == 286  # the paper's whole-image discriminator
    assert math.isclose(MEASURED["D_LOSS_AT_LOGIT_ZERO"](), math.log(2), abs_tol=5e-4)


def test_answers_py_asks_each_question_once_with_its_page_section():
    text = (STARTER / "answers.py").read_text()
    names = re.findall(r"^([A-Z_0-9]+) = None$", text, flags=re.MULTILINE)
    assert names == list(QUESTIONS)
    for name, question in QUESTIONS.items():
        comment = text.split(f"\n{name} = None")[0].rsplit("\n\n", 1)[1]
        assert f"# {question.source}" in comment
        lines = (PROJECT_ROOT / "docs" / f"{question.page}.rst").read_text().splitlines()
        section = question.section
        assert section in lines and re.fullmatch(r"[-~=]+", lines[lines.index(section) + 1])


def write_answers(tmp_path, **answers):
    """A copy of the starter's answers.py with some names answered."""
    text = (STARTER / "answers.py").read_text()
    for name, value in answers.items():
        text = text.replace(f"{name} = None", f"{name} = {value}")
    (tmp_path / "answers.py").write_text(text)
    return tmp_path


def test_a_discussion_is_shown_only_after_an_attempt(tmp_path):
    folder = write_answers(tmp_path, PATCHGAN_GRID_512="(63, 63)", WINDOW_RGB="(0, 128, 255)")
    results = {r.name: r for r in check.grade(folder, ["questions"])}
    wrong, right = results["PATCHGAN_GRID_512"], results["WINDOW_RGB"]
    untouched = results["DROPOUT_LAYERS_IN_PAPER_MODE"]
    assert (wrong.status, right.status, untouched.status) == ("FAIL", "PASS", "NOT DONE")
    assert wrong.note == QUESTIONS["PATCHGAN_GRID_512"].discussion
    assert right.note == QUESTIONS["WINDOW_RGB"].discussion
    assert untouched.note == "" and "Exercise 1 page (exercise1.html)" in untouched.hint
    assert "(63, 63) is not it" in wrong.hint and "62" not in wrong.hint


@pytest.mark.parametrize("name, written", [
    ("PATCHGAN_GRID_512", "62"), ("PATCHGAN_GRID_512", "[62, 62]"),
    ("PATCHGAN_GRID_512", "'62x62'"), ("WINDOW_RGB", "'#0080ff'"), ("WINDOW_RGB", "[0, 128, 255]"),
    ("SHARED_COLOUR_CLASS", "' Pillar'"), ("D_LOSS_AT_LOGIT_ZERO", "0.6931"),
    ("DROPOUT_SEED_OF_IMAGE_3", "10.0"),
])
def test_answers_are_read_in_the_forms_a_student_writes(tmp_path, name, written):
    results = check.grade(write_answers(tmp_path, **{name: written}), ["questions"])
    assert next(r for r in results if r.name == name).status == "PASS"


def test_an_answer_of_the_wrong_form_is_told_the_form(tmp_path):
    results = check.grade(write_answers(tmp_path, WINDOW_RGB="'blue'"), ["questions"])
    result = next(r for r in results if r.name == "WINDOW_RGB")
    assert result.status == "FAIL" and "(R, G, B)" in result.hint and result.note == ""


def test_the_reference_answers_pass():
    assert {r.status for r in check.grade(SOLUTIONS, ["questions"])} == {"PASS"}


def plausible_answers(kind):
    """The answers of a kind a student's loop would try, in canonical form, in its order."""
    return {
        "grid": (f"{n}x{n}" for n in range(1, 1025)),  # a square grid, side by side
        "int": (str(n) for n in range(100_000)),
        "rgb": (",".join(map(str, rgb)) for rgb in itertools.product(range(256), repeat=3)),
        "word": (name.lower() for name in CLASS_NAMES),
        "number": (f"{n / 1000:.3f}" for n in range(100_000)),
    }[kind]


def test_the_questions_are_self_checks_a_short_loop_finds_every_answer():
    start = time.perf_counter()
    for question in QUESTIONS.values():
        tries = next(n for n, answer in enumerate(plausible_answers(question.kind), 1)
                     if checks.questions.digest(answer) == question.digest)
        assert tries <= 35_000, question.name
    assert time.perf_counter() - start < 5  # the page and the report say so
    page = (PROJECT_ROOT / "docs" / "recode.rst").read_text()
    assert "self-checks" in page
