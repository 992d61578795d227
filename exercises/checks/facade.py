"""Part "facade" of the Re-code grader: exercise 2's own design, read by the label validator.

Grades my_facade.png in the graded folder (or the file given with --facade); explained on
docs/recode.rst, "Part 6: your own facade". The label is read by pix2pix.datasets.facades, the same
code that exercise 2's --label option uses.
"""

from checks import FACADE_FILE, on_page
from grading import CheckFailed, Checks
from pix2pix.datasets.facades import CLASS_NAMES, LABEL_SIZE, LabelError, read_label

# -----------------------------------------------------------------------------
# Settings you can change

MIN_CLASSES = 4  # classes a designed facade must show, each on at least 0.5% of the label

# -----------------------------------------------------------------------------

CHECKS = Checks("facade")
check = CHECKS.register


def facade_report(student):
    """The LabelReport (pix2pix.datasets.facades) of the student's design; a missing file is "not
    done yet"."""
    path = student.path(FACADE_FILE)
    if not path.is_file():
        raise NotImplementedError(f"draw a facade label and save it as {path} -- see "
                                  f"{on_page('recode', 'Part 6: your own facade')}")
    try:
        return read_label(path)[1]
    except LabelError as error:
        raise CheckFailed(f"{path.name} is not a label: {error}") from error


@check("facade label is 256x256")
def facade_size(student):
    """The design is 256x256 pixels, the size of the model's input.

    Hint: draw on a 256x256 canvas; other sizes are squashed to it and change the proportions.
    """
    width, height = facade_report(student).size
    if (width, height) != (LABEL_SIZE, LABEL_SIZE):
        raise CheckFailed(f"the label is {width}x{height}: draw it on a {LABEL_SIZE}x{LABEL_SIZE} "
                          "canvas, the size the generator was trained on")


@check("facade label uses the model's palette")
def facade_palette(student):
    """Every pixel is exactly a class colour of the model's jet(64) palette (or a class id).

    Hint: draw with the colours of the legend, no anti-aliasing, and save as PNG (not JPEG).
    """
    report = facade_report(student)
    if report.source == "CMP jet(12)":
        raise CheckFailed("drawn in CMP's jet(12) colours: the generator was trained on the "
                          "jet(64) colours of the legend; use those")
    if report.off_palette_fraction > 0.01:
        raise CheckFailed(f"{report.off_palette_fraction:.1%} of the pixels are not a class "
                          "colour: turn off anti-aliasing, save as PNG, use the legend's colours")


@check("facade label covers wall, windows and more")
def facade_coverage(student):
    """Wall on at least 5%, windows on at least 2%, and at least 4 classes on 0.5% or more.

    Hint: the generator paints walls from the facade class and needs windows to place; add a
    door, cornices, sills or balconies.
    """
    coverage = facade_report(student).class_coverage
    present = [name for name in CLASS_NAMES if coverage[name] >= 0.005]
    if coverage["facade"] < 0.05 or coverage["window"] < 0.02:
        raise CheckFailed(f"facade (wall) {coverage['facade']:.0%} and window "
                          f"{coverage['window']:.0%}: cover at least 5% with wall and 2% with "
                          "windows")
    if len(present) < MIN_CLASSES:
        raise CheckFailed(f"only {', '.join(present)}: show at least {MIN_CLASSES} classes, e.g. "
                          "add a door, cornices, sills or balconies")
