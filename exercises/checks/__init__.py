"""The checks of the Re-code grader, one module per part; exercises/check.py runs them.

Each module grades one part of docs/recode.rst with a list of small check functions, CHECKS,
each with a docstring that says what it measures; exercises/grading.py holds the machinery and
exercises/worker.py runs the checks in a child process. This file only names the parts: it
imports none of their modules, so that the process printing the report never loads torch.
"""

FACADE_FILE = "my_facade.png"  # exercise 2's own design, looked for in the graded folder

PARTS = {  # part (and its module here) -> (the student files it grades, the section explaining it)
    "unet": ("unet_blocks.py", "Part 1: U-Net blocks"),
    "patchgan": ("patchgan.py", "Part 2: PatchGAN"),
    "losses": ("losses.py", "Part 3: losses"),
    "update": ("gan_step.py", "Part 4: the update steps"),
    "augment": ("augment.py", "Part 5: paired augmentation"),
    "facade": (FACADE_FILE, "Part 6: your own facade"),
    "overfit": ("unet_blocks.py + patchgan.py + gan_step.py", "Part 7: overfit one pair"),
    "questions": ("answers.py", "Part 8: questions"),
}

# Student file -> the package's modules that already hold its answer. A file that takes a name
# from them scores nothing; gan_step.py may use pix2pix.losses, as its starter does.
ANSWERS = {
    "unet_blocks.py": ("pix2pix.models",),
    "patchgan.py": ("pix2pix.models",),
    "losses.py": ("pix2pix.losses",),
    "gan_step.py": ("pix2pix.step", "pix2pix.train"),
    "augment.py": ("pix2pix.data",),
}

PAGES = {  # course page (its file name without .rst or .html) -> the first words of its title
    "concepts": "Concepts",
    "exercise1": "Exercise 1",
    "exercise2": "Exercise 2",
    "exercise3": "Exercise 3",
    "recode": "Re-code track",
}


def on_page(page, section):
    """Where a student finds ``section`` of ``page``, by the names the course site shows."""
    return f'"{section}" on the {PAGES[page]} page ({page}.html)'
