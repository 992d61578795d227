"""pix2pix.paths: an output folder that cannot be written is refused before any work, with the
fix, and the check itself leaves nothing behind."""

import pytest

from pix2pix.errors import FixableError
from pix2pix.paths import OutputPathError, check_writable


def test_a_folder_under_a_file_names_the_file_and_a_folder_to_give(tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    with pytest.raises(OutputPathError) as error:
        check_writable(tmp_path / "notes.txt" / "run" / "photos", "--out")
    message = str(error.value)
    assert f"{tmp_path / 'notes.txt'} is a file" in message and "Give a folder" in message
    assert f"--out {tmp_path / 'outputs'}" in message
    assert isinstance(error.value, FixableError)  # the scripts print it without a traceback


def test_a_read_only_folder_is_refused_with_the_reason_and_a_writable_example(read_only_folder):
    with pytest.raises(OutputPathError, match=r"cannot write into .*\(.+\)\. Give a folder you "
                                              r"can write to, e\.g\. --out"):
        check_writable(read_only_folder / "outputs" / "exercise1")


def test_a_writable_folder_passes_and_the_check_leaves_nothing_behind(tmp_path):
    check_writable(tmp_path / "not" / "yet" / "made")
    check_writable(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no folder made, no test file left
