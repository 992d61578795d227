"""The checks of the Re-code grader, one module per part; exercises/check.py runs them.

Each module grades one part of docs/recode.rst with a list of small check functions, each with
a docstring that says what it measures. exercises/grading.py holds the machinery.
"""
