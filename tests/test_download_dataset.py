"""download_dataset.py: an official set by name, downloaded, unpacked safely, checked, or refused.

The archives are made here from tiny images and served by a real HTTP server on 127.0.0.1
(tests/local_server.py): the facades layout itself (606 images of 512x256 sharing one JPEG's
bytes, 10 kB compressed), a small made-up set where a test needs other counts, a cut-short
archive, a web page served with 200, and archives with a member that escapes the folder.
"""

import io
import subprocess
import sys
import tarfile

import pytest
from PIL import Image

import download_dataset
from pix2pix.datasets import official_sets
from pix2pix.datasets.official_sets import OfficialSet, check_unpacked, unsafe_member
from pix2pix.paths import PROJECT_ROOT
from tests.local_server import send_half, serve, serve_bytes, start_server

FACADES = {"train": 400, "val": 100, "test": 106}


def jpeg(width, height, colour=(90, 60, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def add_file(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def archive_bytes(counts=FACADES, size=(512, 256), name="facades", extra=()):
    """A .tar.gz of ``name/<split>/<i>.jpg``; ``extra`` adds (TarInfo, bytes or None) members."""
    image = jpeg(*size)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for split, count in counts.items():
            for index in range(1, count + 1):
                add_file(tar, f"{name}/{split}/{index}.jpg", image)
        for info, data in extra:
            tar.addfile(info, None if data is None else io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def facades_archive():
    return archive_bytes()


@pytest.fixture
def small_set(monkeypatch):
    """A made-up 'facades' of 3 train, 2 val and 1 test images of 64x32, for the error cases."""
    counts = {"train": 3, "val": 2, "test": 1}
    monkeypatch.setitem(official_sets.OFFICIAL_SETS, "facades",
                        OfficialSet("facades", "a small test set", counts, (64, 32)))
    return counts


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "datasets" / "facades"


@pytest.fixture
def cli(capsys, folder):
    def run(*args):
        code = download_dataset.main(["facades", "--output", str(folder), "--retry-wait", "0",
                                      "--timeout", "5", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def assert_nothing_left(folder):
    """No data set folder, no half-unpacked folder, no archive of a failed run."""
    parent = folder.parent
    assert not folder.exists()
    assert not (parent / ".facades.unpacking").exists()
    assert not (parent / "facades.tar.gz").exists()
    assert not (parent / "facades.tar.gz.part").exists()


def test_facades_are_downloaded_unpacked_and_checked(cli, start_server, facades_archive, folder):
    server = start_server(facades_archive, name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 0, err
    assert f"Saved {folder}: test 106, train 400, val 100 images of 512x256." in out
    assert sorted(path.name for path in folder.iterdir()) == ["test", "train", "val"]
    assert len(list((folder / "train").glob("*.jpg"))) == 400
    assert Image.open(folder / "test" / "106.jpg").size == (512, 256)
    # the archive is gone once its contents are checked; nothing half-done is left
    assert sorted(path.name for path in folder.parent.iterdir()) == ["facades"]


def test_a_second_run_checks_the_folder_and_makes_no_request(cli, start_server,
                                                             facades_archive):
    server = start_server(facades_archive, name="facades.tar.gz")
    assert cli("--url", server.url)[0] == 0
    code, out, err = cli("--url", server.url)
    assert code == 0 and "Already there and checked" in out
    assert len(server.ranges) == 1


def test_the_official_url_is_the_default(monkeypatch, start_server, facades_archive, cli):
    server = start_server(facades_archive, name="facades.tar.gz")
    assert OfficialSet("facades", "").url == ("http://efrosgans.eecs.berkeley.edu/pix2pix/"
                                              "datasets/facades.tar.gz")
    monkeypatch.setattr(official_sets, "OFFICIAL_ROOT", server.url.rsplit("/", 1)[0])
    code, out, err = cli()
    assert code == 0, err
    assert f"Downloading {server.url}" in out


def test_a_cut_connection_resumes_in_the_next_run(cli, start_server, facades_archive, folder):
    server = start_server(facades_archive, plan=[send_half, serve], name="facades.tar.gz")
    code, out, err = cli("--url", server.url, "--retries", "0")
    assert code == 1 and "next run resumes" in err
    code, out, err = cli("--url", server.url)
    assert code == 0, err
    assert server.ranges == [None, f"bytes={len(facades_archive) // 2}-"]
    assert len(list((folder / "val").glob("*.jpg"))) == 100


def test_a_cut_short_archive_is_reported_and_deleted_and_nothing_is_put_in_place(
        cli, start_server, facades_archive, folder):
    # served whole and with its own length: the transfer succeeds, the archive ends early
    server = start_server(facades_archive[:len(facades_archive) // 2], name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "is damaged or cut short" in err and "downloaded archive was deleted" in err
    assert "Run the same command again" in err and "Traceback" not in err
    assert_nothing_left(folder)


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream"])
def test_an_html_page_served_with_200_is_rejected(cli, start_server, folder, content_type):
    page = b"<!DOCTYPE html><html><body>Datasets have moved.</body></html>"
    server = start_server(b"", plan=[serve_bytes(page, content_type)], name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "web page (HTML) instead of the facades archive" in err
    assert_nothing_left(folder)


def symlink(name, target):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def hardlink(name, target):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.LNKTYPE, target
    return info


def device(name):
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return info


def file_member(name, data=b"owned"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def malicious_members(outside):
    """Each a member list that would write ``outside`` (a file next to the data set's folder)
    or put a link or device in the set, with the words the refusal must hold."""
    return {
        "dot-dot path": ([file_member(f"facades/../../{outside.name}")], "outside the folder"),
        "absolute path": ([file_member(str(outside))], "outside the folder"),
        "symlink then a file through it": (
            [(symlink("facades/escape", str(outside.parent)), None),
             file_member(f"facades/escape/{outside.name}")], "is a link"),
        "symlink to a system file": ([(symlink("facades/train/4.jpg", "/etc/passwd"), None)],
                                     "is a link"),
        "hard link": ([(hardlink("facades/train/4.jpg", "/etc/passwd"), None)], "is a link"),
        "device": ([(device("facades/train/null"), None)], "is a device or pipe"),
    }


@pytest.mark.parametrize("case", list(malicious_members(PROJECT_ROOT / "x")))
@pytest.mark.parametrize("stdlib_filter", [True, False], ids=["with-data-filter", "without"])
def test_an_archive_that_escapes_its_folder_is_refused_and_writes_nothing_outside(
        cli, start_server, folder, small_set, monkeypatch, case, stdlib_filter):
    if not stdlib_filter:  # Python before 3.11.4: the course's own check alone
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    outside = folder.parent.parent / "owned.txt"
    members, words = malicious_members(outside)[case]
    server = start_server(archive_bytes(small_set, (64, 32), extra=members),
                          name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "is not safe to unpack" in err and words in err and "Traceback" not in err
    assert not outside.exists()
    assert_nothing_left(folder)


@pytest.mark.parametrize("name, words", [
    ("facades/train/1.jpg", None),
    ("facades/../x", "outside"),
    ("/etc/x", "outside"),
    ("C:/x", "outside"),
    ("facades\\..\\..\\x", "outside"),
])
def test_unsafe_member_reads_names_as_posix_and_windows_would(name, words):
    reason = unsafe_member(tarfile.TarInfo(name))
    assert reason is None if words is None else words in reason


@pytest.mark.parametrize("counts, size, words", [
    ({"train": 2, "val": 2, "test": 1}, (64, 32), "train holds 2 images, not 3"),
    ({"train": 3, "val": 2}, (64, 32), "has no test/ folder"),
    ({"train": 3, "val": 2, "test": 1}, (63, 32), "is 63x32, not 64x32"),
])
def test_an_archive_with_other_contents_is_named_and_not_put_in_place(
        cli, start_server, folder, small_set, counts, size, words):
    server = start_server(archive_bytes(counts, size), name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert words in err and "Traceback" not in err
    assert_nothing_left(folder)


def test_an_archive_of_another_set_is_refused(cli, start_server, folder, small_set):
    server = start_server(archive_bytes(small_set, (64, 32), name="maps"),
                          name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 1 and "holds no facades/ folder" in err
    assert_nothing_left(folder)


def test_images_of_any_set_must_be_two_halves(tmp_path):
    split = tmp_path / "night2day" / "train"
    split.mkdir(parents=True)
    Image.new("RGB", (64, 32)).save(split / "a.jpg")
    (split / "._a.jpg").write_bytes(b"a Mac's metadata, not an image")
    night2day = official_sets.OFFICIAL_SETS["night2day"]
    assert check_unpacked(split.parent, night2day) == "train 1 images of 64x32"
    Image.new("RGB", (65, 32)).save(split / "b.jpg")
    with pytest.raises(official_sets.ArchiveError, match="65x32, not 2W x H"):
        check_unpacked(split.parent, night2day)


def test_from_file_unpacks_a_local_copy_and_keeps_it(cli, tmp_path, facades_archive, folder):
    copy = tmp_path / "usb" / "facades.tar.gz"
    copy.parent.mkdir()
    copy.write_bytes(facades_archive)
    code, out, err = cli("--from-file", str(copy))
    assert code == 0, err
    assert len(list((folder / "test").glob("*.jpg"))) == 106
    assert copy.read_bytes() == facades_archive


def test_from_file_given_a_folder_is_told_so(cli, tmp_path, folder):
    (tmp_path / "usb").mkdir()
    code, out, err = cli("--from-file", str(tmp_path / "usb"))
    assert code == 1
    assert "is a folder, not a file" in err and "facades.tar.gz" in err
    assert not folder.exists()


def test_a_damaged_local_copy_is_kept_and_named(cli, tmp_path, facades_archive, folder):
    copy = tmp_path / "facades.tar.gz"
    copy.write_bytes(facades_archive[:-100])
    code, out, err = cli("--from-file", str(copy))
    assert code == 1
    assert "is damaged or cut short" in err and "Ask for a fresh copy" in err
    assert copy.exists() and not folder.exists()


def test_an_incomplete_folder_is_kept_until_force_replaces_it(cli, start_server,
                                                              facades_archive, folder):
    (folder / "train").mkdir(parents=True)
    (folder / "train" / "mine.txt").write_text("the student's own file")
    server = start_server(facades_archive, name="facades.tar.gz")
    code, out, err = cli("--url", server.url)
    assert code == 1
    assert "exists but is not the complete facades set" in err and "--force" in err
    assert (folder / "train" / "mine.txt").exists() and server.ranges == []
    code, out, err = cli("--url", server.url, "--force")
    assert code == 0, err
    assert not (folder / "train" / "mine.txt").exists()
    assert len(list((folder / "train").glob("*.jpg"))) == 400


def test_keep_archive_keeps_the_verified_download(cli, start_server, facades_archive, folder):
    server = start_server(facades_archive, name="facades.tar.gz")
    assert cli("--url", server.url, "--keep-archive")[0] == 0
    assert (folder.parent / "facades.tar.gz").read_bytes() == facades_archive
    assert (folder.parent / "facades.tar.gz.sha256").exists()


@pytest.mark.parametrize("url", ["notaurl", "datasets/facades.tar.gz"])
def test_a_url_that_is_not_a_web_address_is_told_so(cli, folder, url):
    code, out, err = cli("--url", url)
    assert code == 1 and f"--url {url} is not a web address" in err
    assert not folder.exists()


def test_the_data_sets_folder_is_ignored_by_git_but_the_package_is_not():
    result = subprocess.run(["git", "check-ignore", "datasets/facades/train/1.jpg",
                             "pix2pix/datasets/official_sets.py"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True)
    assert result.stdout.split() == ["datasets/facades/train/1.jpg"]


def test_the_script_works_from_any_directory(start_server, facades_archive, tmp_path):
    server = start_server(facades_archive, name="facades.tar.gz")
    folder = tmp_path / "sets" / "facades"
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "download_dataset.py"),
                             "facades", "--url", server.url, "--output", str(folder)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "train 400" in result.stdout


def test_help_names_every_set_and_the_safety_rules(capsys):
    with pytest.raises(SystemExit) as exit_info:
        download_dataset.parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert all(name in text for name in official_sets.OFFICIAL_SETS)
    assert "--from-file" in text and "resumes" in text and "a link or a device" in text
