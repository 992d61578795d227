"""download_pretrained.py: verified, resumed, retried, and never a half file where exercise 1 looks.

A real HTTP server on 127.0.0.1 (tests/local_server.py) serves an official-format checkpoint of a small generator
(ngf=4, 0.9 MB), so every scenario runs in well under a second; each test scripts what the server
does request by request. Two tests run the script as a subprocess with the real 218 MB format.
"""

import errno
import functools
import hashlib
import io
import os
import subprocess
import sys

import pytest
import torch

import download_pretrained
from pix2pix import GeneratorConfig, UNetGenerator, count_parameters, init_weights
from pix2pix.paths import PROJECT_ROOT
from pix2pix.weights.download import (GENERATOR, RetryPolicy, WantedFile, check_generator,
                                      install, part_path, sha256_path)
from pix2pix.weights.official import DOWNLOAD_HINT, UntrainedWeightsWarning, to_official_state_dict
from tests.local_server import (closed_port_url, send_half, serve, serve_bytes, stall,
                                start_server, status)
from tests.trained_weights import as_if_trained

SMALL = GeneratorConfig(ngf=4)
SMALL_COUNT = count_parameters(UNetGenerator(SMALL))
SMALL_GENERATOR = WantedFile(GENERATOR.what, functools.partial(check_generator, config=SMALL),
                             GENERATOR.checking)


def official_format_bytes(config=None, trained=True):
    """An official-format file in the 2017 format (no num_batches_tracked), as bytes, whose
    weights look trained (or, with ``trained=False``, are freshly initialised)."""
    generator = init_weights(UNetGenerator(config))
    if trained:
        as_if_trained(generator)
    state_dict = to_official_state_dict(generator.state_dict(), config)
    state_dict = {k: v for k, v in state_dict.items() if not k.endswith("num_batches_tracked")}
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def payload():
    torch.manual_seed(0)
    return official_format_bytes(SMALL)


@pytest.fixture
def server(start_server, payload):
    return start_server(payload)


# -----------------------------------------------------------------------------
# The command line, in-process, verifying against the small generator


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "checkpoints" / "facades_label2photo.pth"


@pytest.fixture
def cli(monkeypatch, capsys, dest):
    monkeypatch.setattr(download_pretrained, "install",
                        functools.partial(install, wanted=SMALL_GENERATOR))

    def run(*args):
        status = download_pretrained.main(
            ["--output", str(dest), "--retry-wait", "0", "--timeout", "5", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def assert_installed(dest, payload):
    assert dest.read_bytes() == payload
    digest = hashlib.sha256(payload).hexdigest()
    assert sha256_path(dest).read_text() == f"{digest}  {dest.name}\n"
    assert not part_path(dest).exists()


def test_download_installs_the_verified_file_and_stores_its_sha256(cli, server, dest, payload):
    status, out, err = cli("--url", server.url)
    assert status == 0, err
    assert_installed(dest, payload)
    assert f"SHA-256: {hashlib.sha256(payload).hexdigest()}" in out
    assert f"{SMALL_COUNT:,} weights" in out


def test_a_connection_cut_mid_body_is_resumed_by_the_next_run(cli, start_server, dest, payload):
    server = start_server(payload, plan=[send_half, serve])
    status, out, err = cli("--url", server.url, "--retries", "0")
    assert status == 1
    assert f"connection closed after {len(payload) // 2:,} of {len(payload):,} bytes" in err
    assert "next run resumes" in err and "Traceback" not in err
    assert not dest.exists()
    assert part_path(dest).stat().st_size == len(payload) // 2

    status, out, err = cli("--url", server.url)
    assert status == 0, err
    assert server.ranges == [None, f"bytes={len(payload) // 2}-"]
    assert_installed(dest, payload)


def test_a_cut_connection_is_resumed_by_a_retry_in_the_same_run(cli, start_server, dest,
                                                                 payload):
    server = start_server(payload, plan=[send_half, serve])
    status, out, err = cli("--url", server.url)
    assert status == 0, err
    assert server.ranges == [None, f"bytes={len(payload) // 2}-"]
    assert_installed(dest, payload)


def test_404_fails_without_retrying_and_lists_the_alternatives(cli, start_server, dest, payload):
    server = start_server(payload, plan=[status(404)])
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "HTTP 404" in err
    assert "try again later" in err and "--url MIRROR" in err and "--from-file PATH" in err
    assert len(server.ranges) == 1
    assert not dest.exists() and not part_path(dest).exists()


def test_503_twice_then_success_is_retried(cli, start_server, dest, payload):
    server = start_server(payload, plan=[status(503), status(503), serve])
    code, out, err = cli("--url", server.url, "--retries", "2")
    assert code == 0, err
    assert out.count("HTTP 503") == 2 and "retry 2 of 2" in out
    assert len(server.ranges) == 3
    assert_installed(dest, payload)


def test_503_beyond_the_retries_is_a_failure(cli, start_server, dest, payload):
    server = start_server(payload, plan=[status(503)])
    code, out, err = cli("--url", server.url, "--retries", "1")
    assert code == 1
    assert "HTTP 503" in err and "tried 2 times" in err
    assert not dest.exists()


def test_a_truncated_body_is_never_installed(cli, start_server, dest, payload):
    server = start_server(payload, plan=[send_half])
    code, out, err = cli("--url", server.url, "--retries", "2")
    assert code == 1
    assert f"connection closed after {len(payload) // 2:,} of {len(payload):,} bytes" in err
    assert len(server.ranges) == 3
    assert not dest.exists() and not sha256_path(dest).exists()


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream"])
def test_an_html_page_served_with_200_is_rejected(cli, start_server, dest, payload,
                                                  content_type):
    page = b"<!DOCTYPE html><html><body>This page has moved.</body></html>"
    server = start_server(payload, plan=[serve_bytes(page, content_type)])
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "web page (HTML) instead of the pretrained generator" in err
    assert len(server.ranges) == 1
    assert not dest.exists() and not part_path(dest).exists()


@pytest.mark.parametrize("body, what", [
    (b"PK\x03\x04 not really a zip file", "is a damaged or incomplete PyTorch checkpoint"),
    (bytes(range(256)) * 8, "is not a PyTorch checkpoint"),
])
def test_a_file_that_is_not_a_checkpoint_is_deleted_after_download(cli, start_server, dest,
                                                                    payload, body, what):
    server = start_server(payload, plan=[serve_bytes(body)])
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert f"{server.url}: the downloaded file {what}" in err and "it was deleted" in err
    assert ".part" not in err and "weights_only" not in err
    assert not dest.exists() and not part_path(dest).exists()


def test_nothing_listening_says_so_and_lists_the_alternatives(cli, dest):
    code, out, err = cli("--url", closed_port_url(), "--retries", "1")
    assert code == 1
    assert "refused the connection (no server is listening there)" in err
    assert "try again later" in err and "--url MIRROR" in err and "--from-file PATH" in err
    assert "Traceback" not in err
    assert not dest.exists() and not part_path(dest).exists()


def test_a_silent_server_times_out(cli, start_server, dest, payload):
    server = start_server(payload, plan=[stall])
    code, out, err = cli("--url", server.url, "--retries", "0", "--timeout", "0.2")
    assert code == 1
    assert "no answer from" in err and "within 0.2 s" in err
    assert not dest.exists()


def test_mirrors_are_tried_in_order(cli, server, dest, payload):
    code, out, err = cli("--url", closed_port_url(), "--url", server.url, "--retries", "0")
    assert code == 0, err
    assert "refused" in out
    assert_installed(dest, payload)


def test_from_file_installs_a_verified_copy(cli, tmp_path, dest, payload):
    usb_copy = tmp_path / "usb" / "facades_label2photo.pth"
    usb_copy.parent.mkdir()
    usb_copy.write_bytes(payload)
    code, out, err = cli("--from-file", str(usb_copy))
    assert code == 0, err
    assert_installed(dest, payload)


FROM_FILE_CASES = {
    "text": (b"these are not the weights you are looking for", "is a text file"),
    "random bytes": (bytes(range(256)) * 64, "is not a PyTorch checkpoint"),
    "html": (b"<!DOCTYPE html><html><body>Sign in to continue</body></html>",
             "is an HTML page, not a PyTorch checkpoint"),
    "wrong architecture": (None, "is not the official generator: 68 tensors have the wrong"),
    "missing": (None, "No file at"),
}


@pytest.mark.parametrize("content", FROM_FILE_CASES)
def test_from_file_says_what_the_file_is_and_installs_nothing(cli, tmp_path, dest, content):
    bad = tmp_path / "facades_label2photo.pth"
    body, what = FROM_FILE_CASES[content]
    if content == "wrong architecture":
        body = official_format_bytes(GeneratorConfig(ngf=2))
    if body is not None:
        bad.write_bytes(body)
    code, out, err = cli("--from-file", str(bad))
    assert code == 1
    assert what in err and str(bad) in err and "Traceback" not in err
    # the student's file, never the temporary copy; never torch's weights_only=False advice;
    # and not the checkpoint's usual advice to run the script that is running
    assert ".part" not in err and "weights_only" not in err and DOWNLOAD_HINT not in err
    assert not dest.exists() and not part_path(dest).exists()


def test_from_file_installs_untrained_weights_with_a_warning_naming_the_file(cli, tmp_path,
                                                                             dest):
    untrained = tmp_path / "usb" / "facades_label2photo.pth"
    untrained.parent.mkdir()
    untrained.write_bytes(official_format_bytes(SMALL, trained=False))
    with pytest.warns(UntrainedWeightsWarning, match="does not look trained") as caught:
        code, out, err = cli("--from-file", str(untrained))
    assert code == 0, err
    assert str(caught[0].message).startswith(f"{untrained} has the official generator's layers")
    assert dest.exists()


def test_a_second_run_checks_the_hash_and_makes_no_request(cli, server, dest, payload):
    assert cli("--url", server.url)[0] == 0
    code, out, err = cli("--url", server.url)
    assert code == 0
    assert "Already installed and verified" in out and "--force to fetch it again" in out
    assert len(server.ranges) == 1
    assert_installed(dest, payload)


def test_force_downloads_again(cli, server, dest, payload):
    assert cli("--url", server.url)[0] == 0
    code, out, err = cli("--url", server.url, "--force")
    assert code == 0, err
    assert len(server.ranges) == 2 and server.ranges[1] is None
    assert_installed(dest, payload)


def test_a_corrupted_file_is_detected_by_its_sha256_and_replaced(cli, server, dest, payload):
    assert cli("--url", server.url)[0] == 0
    corrupted = bytearray(payload)
    corrupted[len(corrupted) // 2] ^= 0xFF
    dest.write_bytes(bytes(corrupted))
    code, out, err = cli("--url", server.url)
    assert code == 0, err
    assert "corrupted or was replaced" in out
    assert len(server.ranges) == 2
    assert_installed(dest, payload)


def test_an_invalid_file_is_removed_even_when_the_download_fails(cli, dest):
    dest.parent.mkdir(parents=True)
    dest.write_text("<html>a saved error page</html>")
    code, out, err = cli("--url", closed_port_url(), "--retries", "0")
    assert code == 1
    assert f"{dest} is an HTML page" in out and "Removing it" in out
    assert not dest.exists()


def test_a_valid_file_without_a_recorded_hash_is_verified_and_kept(cli, server, dest, payload):
    dest.parent.mkdir(parents=True)
    dest.write_bytes(payload)
    code, out, err = cli("--url", server.url)
    assert code == 0, err
    assert server.ranges == []
    assert_installed(dest, payload)


def test_no_disk_space_is_reported_before_downloading(cli, server, dest, monkeypatch):
    monkeypatch.setattr("shutil.disk_usage", lambda path: type("Usage", (), {"free": 1000}))
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "No space left" in err and "Traceback" not in err
    assert not dest.exists()


@pytest.mark.parametrize("error", [errno.EACCES, errno.EROFS])
def test_a_folder_that_refuses_files_is_reported_before_downloading(cli, server, dest,
                                                                    monkeypatch, error):
    def refuse(*args, **kwargs):  # the tests run as root, whom permissions do not stop
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr("pix2pix.paths.tempfile.TemporaryFile", refuse)
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "cannot write into " in err and f"({os.strerror(error)})" in err
    assert "Give a folder you can write to, e.g. --output" in err and "Traceback" not in err
    assert server.ranges == []  # found before any network traffic
    assert not dest.exists()


def test_an_output_under_a_file_is_reported_before_downloading(cli, server, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder")
    code, out, err = cli("--url", server.url, "--output", str(notes / "g" / "g.pth"))
    assert code == 1
    assert f"{notes} is a file, so no folder can be made there" in err
    assert "Traceback" not in err and server.ranges == []
    assert notes.read_text() == "a file, not a folder"


@pytest.mark.parametrize("error, words", [(errno.ENOSPC, "No space left on the disk"),
                                          (errno.EACCES, "permission denied")])
def test_a_write_error_during_the_transfer_is_one_message(cli, server, dest, monkeypatch,
                                                          error, words):
    def refuse(path, *args, **kwargs):
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr("pix2pix.weights.download.open", refuse, raising=False)
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert words in err and "Traceback" not in err
    assert not dest.exists()


@pytest.mark.parametrize("url", ["notaurl", "ftp://example.org/g.pth", "http://"])
def test_a_url_that_is_not_a_web_address_is_told_so(cli, dest, url):
    code, out, err = cli("--url", url)
    assert code == 1
    assert f"--url {url} is not a web address" in err and "https://" in err
    assert "Traceback" not in err and not dest.exists()


def test_from_file_given_a_folder_is_told_so_even_when_a_file_is_installed(cli, tmp_path,
                                                                          dest, payload):
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / dest.name).write_bytes(payload)
    assert cli("--from-file", str(usb / dest.name))[0] == 0
    code, out, err = cli("--from-file", str(usb))  # the folder, not the file in it
    assert code == 1
    assert f"--from-file {usb} is a folder, not a file" in err
    assert f"--from-file {usb / dest.name}" in err
    assert "Already" not in out
    assert_installed(dest, payload)


def test_retry_waits_double():
    assert [RetryPolicy(retries=3, wait=2.0).delay(a) for a in range(3)] == [2.0, 4.0, 8.0]


def test_help_explains_mirrors_offline_copies_and_resuming(capsys):
    with pytest.raises(SystemExit) as exit_info:
        download_pretrained.parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--url" in text and "--from-file" in text and "resumes" in text and "SHA-256" in text


# -----------------------------------------------------------------------------
# End to end: the script as a student runs it, with the real 218 MB checkpoint format


@pytest.fixture(scope="module")
def real_payload():
    return official_format_bytes()


def run_script(*args, cwd):
    script = PROJECT_ROOT / "download_pretrained.py"
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_the_script_downloads_the_real_format_then_finds_it_downloaded(start_server,
                                                                      real_payload, tmp_path):
    server = start_server(real_payload)
    dest = tmp_path / "checkpoints" / "facades_label2photo.pth"
    args = ("--url", server.url, "--output", str(dest))
    first = run_script(*args, cwd=tmp_path)  # any current directory
    assert first.returncode == 0, first.stderr
    assert f"{count_parameters(UNetGenerator()):,} weights" in first.stdout
    assert "warning" not in first.stderr  # weights that look trained raise no doubt
    assert hashlib.sha256(dest.read_bytes()).hexdigest() in sha256_path(dest).read_text()
    second = run_script(*args, cwd=tmp_path)
    assert second.returncode == 0 and "Already installed" in second.stdout
    assert len(server.ranges) == 1


def test_the_script_fails_with_one_message_and_no_traceback(tmp_path):
    dest = tmp_path / "facades_label2photo.pth"
    result = run_script("--url", closed_port_url(), "--output", str(dest), "--retries", "0",
                        cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: Could not download") and "--from-file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not dest.exists()
