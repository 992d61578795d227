"""The official pix2pix data sets by name: downloaded, unpacked safely, and checked.

The pix2pix authors publish six paired sets as ``NAME.tar.gz`` under :data:`OFFICIAL_ROOT`. Each
unpacks to ``NAME/train/``, ``NAME/val/`` and for some ``NAME/test/``: JPEG images that hold an
input and its target side by side, A on the left and B on the right, so every image is 2W x H
pixels. That is the official *aligned* layout, which :mod:`pix2pix.data` reads for training and
``translate.py --evaluate`` for evaluation. Used by ``download_dataset.py``.

An archive from the network is untrusted input. A tar member can be called ``../../.bashrc`` or
``/etc/passwd``, or be a symbolic link that sends a later member outside the folder, or a device
file. So every member must be a plain file or folder whose path stays inside the target
(:func:`unsafe_member`, and the standard library's own ``tarfile.data_filter`` where this Python
has it, 3.11.4 and later), and the bytes are written by this module, never by ``extractall``.
Unpacking goes to a hidden folder that is renamed into place only after the check of what
arrived (:func:`check_unpacked`), so ``datasets/NAME`` is either complete or absent.
"""

import gzip
import os
import shutil
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from pix2pix.errors import FixableError
from pix2pix.paths import PROJECT_ROOT, check_writable
from pix2pix.weights.download import (
    CHUNK_SIZE,
    RetryPolicy,
    WantedFile,
    check_source,
    check_url,
    disk_errors,
    download,
    existing_sha256,
    progress_bar,
    remove,
    sha256_path,
)
from pix2pix.weights.official import looks_like_html

OFFICIAL_ROOT = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets"
DATASETS_DIR = PROJECT_ROOT / "datasets"  # git-ignored: data never enters the repository
GZIP_MAGIC = b"\x1f\x8b"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


class ArchiveError(FixableError):
    """An archive or an unpacked folder that is not the data set; the message says why."""


@dataclass(frozen=True)
class OfficialSet:
    """One official data set and what its archive must unpack to.

    Counts and sizes are checked only where they are known for sure: the facades counts and
    size, and the training counts the official repository's ``docs/datasets.md`` states. For
    every set, each image must be 2W x H (two halves of one size).
    """

    name: str
    about: str  # the official description
    counts: dict = field(default_factory=dict)  # split -> number of images, where known
    size: tuple = None  # (width, height) of every image, where known

    @property
    def url(self):
        """Where the authors publish the archive."""
        return f"{OFFICIAL_ROOT}/{self.name}.tar.gz"


OFFICIAL_SETS = {dataset.name: dataset for dataset in (
    OfficialSet("facades", "400 training images from the CMP Facades dataset; A is the photo, "
                "B the label, so label -> photo is --direction BtoA",
                {"train": 400, "val": 100, "test": 106}, (512, 256)),
    OfficialSet("cityscapes", "2975 training images from the Cityscapes training set",
                {"train": 2975}),
    OfficialSet("maps", "1096 training images scraped from Google Maps", {"train": 1096}),
    OfficialSet("edges2shoes", "50k training images from UT Zappos50K, edges by HED"),
    OfficialSet("edges2handbags", "137K Amazon handbag images from the iGAN project, edges by "
                "HED"),
    OfficialSet("night2day", "about 20K natural scenes from the Transient Attributes dataset"),
)}


# -----------------------------------------------------------------------------
# The archive: a gzip file, then members that stay inside the target


def check_archive(path, name):
    """A :class:`~pix2pix.weights.download.WantedFile` check: ``path`` starts like a .tar.gz.

    The whole archive is read only when it is unpacked; this catches, at once, a web page or
    another file saved under the archive's name.
    """
    with open(path, "rb") as file:
        head = file.read(512)
    if looks_like_html(head):
        raise ArchiveError(f"{name} is an HTML page (a server's error or \"moved\" page), not a "
                           ".tar.gz archive.")
    if not head.startswith(GZIP_MAGIC):
        raise ArchiveError(f"{name} is not a .tar.gz archive: it does not start with the bytes "
                           "1f 8b of gzip.")
    return "a gzip archive"


def unsafe_member(member):
    """Why a tar member must not be unpacked, in words; None for a plain file or folder inside.

    Args:
        member: a ``tarfile.TarInfo``.
    """
    if member.issym() or member.islnk():
        return f"{member.name} is a link (to {member.linkname}), which could point outside"
    if not (member.isfile() or member.isdir()):
        return f"{member.name} is a device or pipe, not a file"
    # Windows paths split at \ too, so check both readings of the name
    for path in (PurePosixPath(member.name), PureWindowsPath(member.name)):
        if path.is_absolute() or path.anchor or ".." in path.parts:
            return f"{member.name} would be written outside the folder it is unpacked into"
    return None


def _check_member(member, root, archive):
    """Raise :class:`ArchiveError` for a member :func:`unsafe_member` or the stdlib refuses."""
    reason = unsafe_member(member)
    if reason is None and hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: a second opinion
        try:
            tarfile.data_filter(member, str(root))
        except tarfile.FilterError as error:
            reason = f"{member.name}: {error}"
    if reason:
        raise ArchiveError(f"{archive} is not safe to unpack: {reason}. Nothing was unpacked "
                           "outside its folder, and the archive was not used.",
                           fix="Download the data set from the official server (without "
                               "--url or --from-file), or ask for a fresh copy.")


class _CountingReader:
    """A file whose reads move a progress bar: the compressed bytes read so far."""

    def __init__(self, file, bar):
        self.file, self.bar = file, bar

    def read(self, size=-1):
        data = self.file.read(size)
        self.bar.update(len(data))
        return data


def _write_member(tar, member, root):
    """Write one checked member under ``root``: a folder, or a file's bytes (no attributes).

    Reads stay outside :func:`~pix2pix.weights.download.disk_errors`: a damaged archive is the
    archive's problem, not the disk's.
    """
    target = root.joinpath(*PurePosixPath(member.name).parts)
    if member.isdir():
        with disk_errors(target):
            target.mkdir(parents=True, exist_ok=True)
        return
    source = tar.extractfile(member)
    with disk_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        file = open(target, "wb")
    with file:
        for block in iter(lambda: source.read(CHUNK_SIZE), b""):
            with disk_errors(target):
                file.write(block)


def unpack(archive, root):
    """Unpack ``archive`` into the new folder ``root``, member by member, each checked first.

    The archive is read as a stream, once: a member is checked, then written, then the next is
    read. ``gzip`` checks the archive's length and CRC at its end, which tarfile's own stream
    mode does not: a cut-short archive would otherwise unpack "successfully" up to the cut.

    Args:
        archive: a ``.tar.gz`` file.
        root: an empty or missing folder.

    Returns:
        The number of members unpacked.

    Raises:
        ArchiveError: an unsafe member, or an archive that is damaged or cut short.
    """
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(archive, "rb") as file, progress_bar(os.path.getsize(archive), 0,
                                                   f"unpacking {Path(archive).name}") as bar:
        try:
            with gzip.GzipFile(fileobj=_CountingReader(file, bar)) as stream:
                with tarfile.open(fileobj=stream, mode="r|") as tar:
                    for member in tar:
                        _check_member(member, root, archive)
                        _write_member(tar, member, root)
                        count += 1
                while stream.read(CHUNK_SIZE):  # to the end, where gzip checks length and CRC
                    pass
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise ArchiveError(f"{archive} is damaged or cut short ({error}) after {count} "
                               "members.") from None
    return count


# -----------------------------------------------------------------------------
# What arrived: splits of 2W x H images


def _image_sizes(folder):
    """{path: (width, height)} of the images in ``folder``, read from their headers."""
    sizes = {}
    # "._x.jpg" files are a Mac's metadata beside x.jpg, not images
    paths = sorted(path for path in folder.iterdir()
                   if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith("._"))
    for path in tqdm(paths, desc=f"checking {folder.name}", unit="image", leave=False,
                     disable=len(paths) < 1000):
        try:
            with Image.open(path) as image:
                sizes[path] = image.size
        except (UnidentifiedImageError, OSError) as error:
            raise ArchiveError(f"{path} is not an image that Pillow can read ({error}).") from None
    return sizes


def check_unpacked(folder, dataset):
    """Check that ``folder`` holds the data set: its splits, counts and 2W x H images.

    Args:
        folder: the unpacked ``NAME`` folder.
        dataset: its :class:`OfficialSet`.

    Returns:
        One line for a terminal: "train 400, val 100, test 106 images of 512x256".

    Raises:
        ArchiveError: a split is missing or empty, a count or size differs, an image is unreadable
            or of odd width; the message names the split or file.
    """
    splits = sorted(path.name for path in folder.iterdir() if path.is_dir())
    for split in ["train", *dataset.counts]:
        if split not in splits:
            raise ArchiveError(f"{folder} has no {split}/ folder (it has: "
                               f"{', '.join(splits) or 'no folders'}).")
    found, shapes = [], set()
    for split in splits:
        sizes = _image_sizes(folder / split)
        expected = dataset.counts.get(split)
        if not sizes or (expected is not None and len(sizes) != expected):
            wanted = f", not {expected}" if expected is not None else ""
            raise ArchiveError(f"{folder / split} holds {len(sizes)} images{wanted}.")
        for path, (width, height) in sizes.items():
            if width % 2 or (dataset.size and (width, height) != dataset.size):
                wanted = "x".join(map(str, dataset.size)) if dataset.size else "2W x H (even)"
                raise ArchiveError(f"{path} is {width}x{height}, not {wanted}: not an A|B pair "
                                   f"of the {dataset.name} set.")
        found.append(f"{split} {len(sizes)}")
        shapes.update(f"{width}x{height}" for width, height in sizes.values())
    return f"{', '.join(found)} images of {', '.join(sorted(shapes))}"


# -----------------------------------------------------------------------------
# Everything together: from a name to a checked folder


@dataclass
class Source:
    """Where the archive comes from, and how hard to try."""

    urls: list = None  # mirrors tried in order (default: the official URL)
    from_file: str = None  # a copy of NAME.tar.gz to unpack instead of downloading
    force: bool = False  # download and unpack again even if the folder is there
    policy: RetryPolicy = None
    keep_archive: bool = False  # keep a downloaded archive after unpacking (to hand it out)


def _archive(dataset, folder, source):
    """The archive to unpack: ``source.from_file``, a previous download's, or a new download."""
    if source.from_file is not None:
        check_archive(source.from_file, source.from_file)
        return Path(source.from_file)
    archive = folder.parent / f"{dataset.name}.tar.gz"
    wanted = WantedFile(f"the {dataset.name} archive", check_archive,
                        "Checking that it is a .tar.gz archive ...")
    if not source.force and existing_sha256(archive, wanted):
        print(f"Using {archive}, downloaded and verified before.")
        return archive
    download(source.urls or [dataset.url], archive, wanted, source.policy, fresh=source.force)
    return archive


def _already_there(folder, dataset):
    """The check's summary of a complete ``folder``; None when there is no folder."""
    if not folder.exists():
        return None
    try:
        return check_unpacked(folder, dataset)
    except ArchiveError as error:
        raise ArchiveError(f"{folder} exists but is not the complete {dataset.name} set: "
                           f"{error.reason}",
                           fix="Add --force to replace it, or move it away.") from None


def _unpack_into_place(archive, folder, dataset):
    """Unpack and check in a hidden folder beside ``folder``, then rename it to ``folder``.

    Returns:
        :func:`check_unpacked`'s summary.
    """
    staging = folder.parent / f".{folder.name}.unpacking"  # same disk: the rename is atomic
    shutil.rmtree(staging, ignore_errors=True)
    try:
        unpack(archive, staging)
        unpacked = staging / dataset.name
        if not unpacked.is_dir():
            raise ArchiveError(f"{archive} holds no {dataset.name}/ folder: it is not the "
                               f"{dataset.name} set.")
        summary = check_unpacked(unpacked, dataset)
        if folder.exists():  # --force: the old folder goes only once the new one is complete
            shutil.rmtree(folder)
        os.replace(unpacked, folder)
        return summary
    finally:  # also on Ctrl+C: no half-unpacked folder stays behind
        shutil.rmtree(staging, ignore_errors=True)


def install_dataset(name, folder=None, source=None):
    """Put the official data set ``name`` in ``folder``, checked; a no-op when it already is.

    Args:
        name: one of :data:`OFFICIAL_SETS`.
        folder: where its ``train/ val/ ...`` folders go (default ``datasets/NAME``).
        source: a :class:`Source` (default: the official URL).

    Returns:
        The folder.

    Raises:
        ArchiveError: the archive is unsafe, damaged or not the data set; nothing is put in
            ``folder``, and a downloaded archive is deleted so that the next run fetches anew.
        DownloadError: no URL gave the archive, or the disk cannot take it.
    """
    dataset, source = OFFICIAL_SETS[name], source or Source()
    folder = Path(folder or DATASETS_DIR / name)
    if source.from_file is not None:
        check_source(source.from_file, f"{name}.tar.gz")
    for url in source.urls or []:
        check_url(url)
    summary = None if source.force else _already_there(folder, dataset)
    if summary:
        print(f"Already there and checked: {folder} ({summary}). Use --force to fetch it again.")
        return folder
    check_writable(folder.parent, "--output")
    folder.parent.mkdir(parents=True, exist_ok=True)
    archive = _archive(dataset, folder, source)
    try:
        summary = _unpack_into_place(archive, folder, dataset)
    except ArchiveError as error:
        if source.from_file is not None:  # never delete the student's own file
            raise ArchiveError(error.reason, fix=error.fix or "Ask for a fresh copy, or "
                               "download it: the same command without --from-file.") from None
        remove(archive)  # a wrong download must not be found and used by the next run
        remove(sha256_path(archive))
        raise ArchiveError(f"{error.reason} The downloaded archive was deleted.",
                           fix=error.fix or "Run the same command again to download it "
                               "again.") from None
    if source.from_file is None and not source.keep_archive:
        remove(archive)
        remove(sha256_path(archive))
    print(f"Saved {folder}: {summary}.")
    return folder
