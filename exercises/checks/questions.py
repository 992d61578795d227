"""Part "questions" of the Re-code grader: the answers in answers.py.

Grades exercises/recode/answers.py; explained on docs/recode.rst, "Part 8: questions". The
questions themselves are written once, in the starter's answers.py; here are a digest of each
right answer, the page section that explains it, and the discussion the student sees after
answering.

Why digests and not the answers: this file ships with the course, and a student should measure
an answer, not read it here. A digest stops reading, not guessing: the questions are
self-checks. Each answer lies in a small space (a class among twelve, a count of layers), and
the grader itself says right or wrong, so a loop over plausible answers finds all seven in
under a second; a slow salted KDF (scrypt, 0.2 s a try) would still give five of them within
three minutes while slowing every grading. tests/test_recode_questions.py measures each answer
with the package, checks it against its digest, and times such a loop.
"""

import hashlib
from dataclasses import dataclass

from checks import on_page
from grading import CheckFailed, Checks

CHECKS = Checks("questions")


@dataclass
class Question:
    name: str  # the variable in answers.py
    digest: str  # digest() of the right answer
    kind: str  # how an answer is read: "grid", "int", "rgb", "word" or "number"
    page: str  # the course page that explains it (its file name, without .rst or .html)
    section: str  # the section of that page
    discussion: str  # shown under the question once it has been answered, right or wrong

    @property
    def source(self):
        """Where the student reads about it."""
        return on_page(self.page, self.section)


QUESTIONS = [
    Question("PATCHGAN_GRID_512", "cb6bcaff52152876", "grid",
             "concepts", "The discriminator: a PatchGAN",
             "D is fully convolutional: the three stride-2 convolutions divide the side by 8 and "
             "each 4x4 stride-1 convolution with padding 1 takes one pixel off. The same weights "
             "judge any image size; only the number of verdicts grows, each still on a 70x70 "
             "patch."),
    Question("RECEPTIVE_FIELD_ONE_MORE_LAYER", "d4ee9f58e5860574", "int",
             "concepts", "The discriminator: a PatchGAN",
             "Walking back from one logit, each layer widens the field by r <- (r - 1) * stride "
             "+ 4, so one more stride-2 layer about doubles it. One more again gives 286x286, "
             "the paper's whole-image 'ImageGAN', which it found harder to train and no better."),
    Question("DROPOUT_LAYERS_IN_PAPER_MODE", "4e07408562bedb8b", "int",
             "exercise1", "Reflect",
             "Only the decoder blocks right after the bottleneck drop activations (num_downs - 5 "
             "of them in the official code). Paper mode keeps them on at test time, each image "
             "with masks from its own seed: the generator's only source of randomness."),
    Question("DROPOUT_SEED_OF_IMAGE_3", "4a44dc15364204a8", "int",
             "exercise1", "Reflect",
             "Image i of a batch runs with seed + i, so an image's photo depends on its own seed "
             "alone, not on the other images in the batch or on random numbers drawn before."),
    Question("WINDOW_RGB", "83adc9188d90d144", "rgb",
             "exercise1", "The labels: twelve classes, two palettes",
             "The generator never sees class ids, only RGB values: class k is row 5k+1 of "
             "jet(64), pix2pix.datasets.facades.MODEL_PALETTE. A window drawn in another blue is "
             "an input the generator has never seen."),
    Question("SHARED_COLOUR_CLASS", "14cc3e8d95ceb60a", "word",
             "exercise2", "Reflect",
             "The other eleven CMP colours are 5 to 53 RGB units away from the model's, so a "
             "label fed in CMP's colours is almost all off the palette. pix2pix.datasets.facades "
             "reads CMP files by class id and recolours them for that reason."),
    Question("D_LOSS_AT_LOGIT_ZERO", "27d76f035d90d8a8", "number",
             "exercise3", "What it prints",
             "Logit 0 is probability 1/2 for real and for fake: each BCE term costs -log(1/2), "
             "and halving their sum leaves one. Compare the printed loss_D with it: far below, "
             "D is winning; close to it, D is guessing."),
]
FORMATS = {
    "grid": "(rows, columns), e.g. (10, 10)",
    "int": "a whole number, e.g. 7",
    "rgb": "(R, G, B) with each value 0-255, e.g. (255, 0, 0)",
    "word": "a class name in quotes, e.g. \"door\"",
    "number": "a number, rounded to 3 decimals, e.g. 0.125",
}


def read_answer(value, kind):
    """The student's ``value`` in its canonical form ("62x62", "0,128,255", "0.693"...), or
    None if it cannot be read as a ``kind``."""
    if kind == "grid" and isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)  # a square grid given by its side
    if kind == "grid" and isinstance(value, str) and "x" in value.lower():
        value = value.lower().split("x")
    if kind == "rgb" and isinstance(value, str) and len(value.lstrip("#")) == 6:
        try:
            value = tuple(bytes.fromhex(value.lstrip("#")))
        except ValueError:
            return None
    if kind in ("grid", "rgb") and isinstance(value, (tuple, list)):
        try:
            numbers = [float(v) for v in value]
        except (TypeError, ValueError):
            return None
        if not all(v.is_integer() for v in numbers):
            return None
        return ("x" if kind == "grid" else ",").join(str(int(v)) for v in numbers)
    if kind in ("int", "number") and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        if kind == "number":
            return f"{value:.3f}"
        return str(int(value)) if float(value).is_integer() else None
    if kind == "word" and isinstance(value, str):
        return value.strip().lower()
    return None


def digest(canonical):
    """A short digest of an answer in its canonical form."""
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def grade_answer(student, question):
    """PASS with the discussion, FAIL with a pointer and the discussion, or NOT DONE."""
    value = getattr(student.answers, question.name, None)
    if value is None:
        raise NotImplementedError(f"set {question.name} in answers.py -- see {question.source}")
    canonical = read_answer(value, question.kind)
    if canonical is None:
        raise CheckFailed(f"{question.name} = {value!r} cannot be read: answer "
                          f"{FORMATS[question.kind]}")
    if digest(canonical) != question.digest:
        raise CheckFailed(f"{question.name} = {value!r} is not it; see {question.source}",
                          question.discussion)
    return question.discussion


def register(question):
    """Add the check of one question to CHECKS."""
    def answer_check(student):
        """The answer in answers.py is the measured one.

        Hint: answers.py must set each name to a plain value: a number, a tuple or a string.
        """
        return grade_answer(student, question)
    CHECKS.register(question.name)(answer_check)


for question in QUESTIONS:
    register(question)
