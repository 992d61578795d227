"""Verified, resumable downloads: the official pretrained generator, and the official data sets.

The mechanics behind ``download_pretrained.py``, the command a student runs before exercise 1,
and ``download_dataset.py`` (:mod:`pix2pix.datasets.official_sets`). The official server has
moved, answered 404 and 503, and sat behind slow classroom networks, so every step here assumes
it can fail:

* bytes go to ``<name>.part`` in the destination folder; only a file that passed its check is
  renamed to its final name, so exercise 1 never finds a file that merely looks complete;
* an interrupted transfer resumes from the ``.part`` file with an HTTP ``Range`` request;
* transient failures (5xx, resets, timeouts, refused connections) are retried with a growing wait,
  then the next mirror is tried;
* every candidate must pass the check of what it should be (:class:`WantedFile`): the generator
  is loaded weights-only and checked key by key and shape by shape (:func:`verify_checkpoint`);
  a web page served in its place is named for what it is;
* the checked file's SHA-256 is stored next to it (``<name>.sha256``, the ``sha256sum`` format),
  so a later run re-checks it by hashing alone and notices a corrupted or replaced file.

A file reaches its place by one of two flows, which end in the same check and rename:

1. :func:`download`: from a URL and its mirrors, resumed and retried;
2. :func:`copy_in`: from a copy the student already has (``--from-file``, the offline classroom).

:func:`install` puts the official generator in place with one of them. Every failure becomes a
:class:`DownloadError` that says what happened and what to do.
"""

import errno
import hashlib
import os
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Callable

import torch
from tqdm import tqdm

from pix2pix.errors import FixableError
from pix2pix.models import UNetGenerator, count_parameters
from pix2pix.paths import check_writable
from pix2pix.weights.official import (
    from_official_state_dict,
    load_state_dict_file,
    looks_like_html,
    warn_if_untrained,
)

OFFICIAL_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/facades_label2photo.pth"
CHUNK_SIZE = 1 << 20  # 1 MiB: few system calls, and a progress bar that still moves often
USER_AGENT = "pix2pix-course-download"
WEB_SCHEMES = ("http", "https")
ALTERNATIVES = ("Alternatives: try again later (a partial download resumes where it stopped); "
                "use a mirror with --url MIRROR; or install a copy your instructor handed out "
                "with --from-file PATH.")


class DownloadError(FixableError):
    """A failure the student can act on: what happened, and what to do."""


class _Transient(Exception):
    """A failure worth another try of the same URL (5xx, reset, timeout, short body)."""


class _RangeRefused(_Transient):
    """HTTP 416: the partial file is not a prefix the server knows; the next try starts over."""


class _UrlFailed(Exception):
    """This URL will not give us the file (404, a web page, a wrong file): try the next."""


@dataclass
class RetryPolicy:
    """How to talk to a server: retries of one URL, the wait between them, and the timeout.

    The wait doubles: a server that answers 503 is usually overloaded, and hammering it again
    at once rarely helps. ``timeout`` bounds the connection and then every single read, so a
    stalled server fails after that many seconds of silence while a slow but steady one may take
    as long as it needs.
    """

    retries: int = 3
    wait: float = 2.0
    timeout: float = 30.0

    def delay(self, attempt):
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        return self.wait * 2 ** attempt


@dataclass
class WantedFile:
    """What a fetched file must be, for its check and for the messages.

    ``check(path, name)`` returns a few words on what the file holds ("54,413,955 weights") or
    raises a :class:`~pix2pix.errors.FixableError` whose ``reason`` says what the file is
    instead; its messages call the file ``name`` (the student's file, never the ``.part`` copy).
    """

    what: str  # "the pretrained generator", in "a web page instead of the pretrained generator"
    check: Callable
    checking: str  # printed before the check, which may take seconds


def add_download_arguments(parser, what):
    """The flags both download scripts take: --url, --from-file, --force and the retry policy.

    Args:
        parser: an ``argparse.ArgumentParser``.
        what: what is downloaded, for the help texts ("a copy of the archive").
    """
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--url", action="append", metavar="URL",
                        help="a mirror to download from; repeat to try several in order "
                             "(default: the official URL)")
    source.add_argument("--from-file", metavar="PATH",
                        help=f"install {what} you already have instead of downloading "
                             "(default: download)")
    parser.add_argument("--force", action="store_true",
                        help="fetch again even if a valid copy is already there (default: off)")
    parser.add_argument("--retries", type=int, default=3,
                        help="retries per URL after a transient failure (default: 3)")
    parser.add_argument("--retry-wait", type=float, default=2.0, metavar="SECONDS",
                        help="wait before the first retry; doubles each time (default: 2)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="give up on a connection silent for this long (default: 30)")


def policy_from(parser, args):
    """The :class:`RetryPolicy` the flags of :func:`add_download_arguments` ask for."""
    if args.retries < 0 or args.retry_wait < 0 or args.timeout <= 0:
        parser.error("--retries and --retry-wait must be >= 0, --timeout > 0")
    return RetryPolicy(args.retries, args.retry_wait, args.timeout)


# -----------------------------------------------------------------------------
# The official generator: what its file must hold


def verify_checkpoint(path, config=None, name=None):
    """Check that ``path`` holds the official generator's weights, and count them.

    Reuses :mod:`pix2pix.weights.official`: a weights-only load (a checkpoint is untrusted input),
    then exactly the generator's keys with the right shapes (the 2017 file without BatchNorm's
    ``num_batches_tracked`` counts as valid), then whether the weights look trained.

    Args:
        path: the candidate file.
        config: the generator's :class:`~pix2pix.models.GeneratorConfig` (default ``unet_256``).
        name: what the messages call the file (default: ``path``).

    Returns:
        The number of weights in the file.

    Raises:
        CheckpointError: the file is not a checkpoint of that generator.

    Warns:
        UntrainedWeightsWarning: the right layers, but values that were never trained.
    """
    name = name or path
    state_dict = from_official_state_dict(load_state_dict_file(path, name), config, name)
    warn_if_untrained(state_dict, name)
    # every name and shape matched, so the file holds as many weights as the generator has;
    # the meta device counts them without allocating 218 MB
    with torch.device("meta"):
        return count_parameters(UNetGenerator(config))


def check_generator(path, name, config=None):
    """:func:`verify_checkpoint` as a :class:`WantedFile` check: '54,413,955 weights'."""
    return f"{verify_checkpoint(path, config, name):,} weights"


GENERATOR = WantedFile("the pretrained generator", check_generator,
                       "Verifying: loading it weights-only, checking every tensor's name and "
                       "shape ...")


# -----------------------------------------------------------------------------
# Files on disk: every OSError while writing becomes a message about the disk


def _disk_error(error, path):
    """The DownloadError that says why ``path`` could not be written, and the fix."""
    if error.errno == errno.ENOSPC:
        return DownloadError(f"No space left on the disk that holds {path.parent}.",
                             fix="Free some space and run the command again (a partial "
                                 "download resumes).")
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EROFS):
        return DownloadError(f"Cannot write to {path.parent} (permission denied).",
                             fix="Run the command in a copy of the course you own, or choose "
                                 "another place with --output PATH.")
    return DownloadError(f"Cannot write {path}: {error.strerror or error}.")


@contextmanager
def disk_errors(path):
    """Inside this block, an OSError while writing ``path`` becomes a :class:`DownloadError`."""
    try:
        yield
    except OSError as error:
        raise _disk_error(error, path) from None


def remove(path):
    """Delete the file ``path`` if it exists."""
    with disk_errors(path):
        Path(path).unlink(missing_ok=True)


def sha256_of(path):
    """The SHA-256 of a file as 64 hex digits, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_path(path):
    """Where the SHA-256 of a checked file is stored: ``model.pth`` -> ``model.pth.sha256``."""
    return path.with_name(path.name + ".sha256")


def part_path(path):
    """The temporary file a download or copy is written to, in the same folder as ``path``.

    The same folder makes the final rename atomic (no half-copied file across file systems).
    """
    return path.with_name(path.name + ".part")


def _recorded_sha256(path):
    """The SHA-256 stored next to ``path``, or None when there is none."""
    try:
        return sha256_path(path).read_text().split()[0].lower()
    except (OSError, IndexError):
        return None


def _record_sha256(dest, digest):
    """Store ``digest`` next to ``dest`` in the format ``sha256sum --check`` reads."""
    with disk_errors(sha256_path(dest)):
        sha256_path(dest).write_text(f"{digest}  {dest.name}\n")


def _check_free_space(path, size):
    """Fail early, with the sizes, if ``size`` more bytes do not fit next to ``path``."""
    free = shutil.disk_usage(path.parent).free
    if size is not None and size > free:
        raise DownloadError(f"No space left: {size / 1e6:,.1f} MB are needed in {path.parent} "
                            f"but only {free / 1e6:,.1f} MB are free.",
                            fix="Free some space and run the command again.")


def progress_bar(total, initial, name):
    """A tqdm bar in bytes: size, speed and time left."""
    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=name, dynamic_ncols=True)


def existing_sha256(dest, wanted):
    """The SHA-256 of a valid file already at ``dest``; None (after removing it) if it is invalid.

    With a stored SHA-256 the check is a hash of the file (about a second); a mismatch means the
    file was corrupted or replaced. Without one, the file gets the full check and its hash is
    stored.
    """
    if not dest.is_file():
        return None
    digest = sha256_of(dest)
    recorded = _recorded_sha256(dest)
    if recorded == digest:
        return digest
    if recorded is not None:
        reason = (f"{dest} is not the file that was verified: its SHA-256 {digest[:16]}... "
                  f"differs from {recorded[:16]}..., recorded then; it is corrupted or was "
                  "replaced.")
    else:
        try:
            wanted.check(dest, dest)
        except FixableError as error:
            reason = error.reason
        else:
            _record_sha256(dest, digest)
            return digest
    print(f"{reason} Removing it to fetch a fresh copy.")
    remove(dest)
    remove(sha256_path(dest))
    return None


def _move_into_place(part, dest, description):
    """Rename the checked ``part`` to ``dest``, store and print its SHA-256."""
    digest = sha256_of(part)
    remove(sha256_path(dest))  # a stale hash must never vouch for the new file
    with disk_errors(dest):
        os.replace(part, dest)
    _record_sha256(dest, digest)
    print(f"Saved {dest} ({dest.stat().st_size / 1e6:,.1f} MB, {description}, verified).")
    print(f"SHA-256: {digest} (stored in {sha256_path(dest).name})")
    return digest


# -----------------------------------------------------------------------------
# (1) Downloading a URL, resumed from the .part file and retried


def check_url(url):
    """Fail at once, with the fix, when ``url`` is not an http:// or https:// address."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in WEB_SCHEMES or not parts.netloc:
        raise DownloadError(f"--url {url} is not a web address.",
                            fix="Give one that starts with http:// or https://, or install a "
                                "file you already have with --from-file PATH.")


def _network_reason(error, url, timeout):
    """Say in words why talking to the server of ``url`` failed."""
    reason = getattr(error, "reason", error)
    host = urllib.parse.urlsplit(url).netloc
    if isinstance(reason, socket.gaierror):
        return f"cannot find the server {host} (no network, or a DNS failure)"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection (no server is listening there)"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer from {host} within {timeout:g} s"
    if isinstance(reason, ConnectionResetError):
        return f"{host} reset the connection"
    return f"network error with {host} ({reason})"


def _open_url(url, start, timeout):
    """Send the GET (with ``Range`` when resuming) and return the response."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 416:
            raise _RangeRefused("the server cannot resume the partial file; starting over")
        reason = f"HTTP {error.code} {error.reason}"
        if error.code >= 500 or error.code == 429:
            raise _Transient(reason) from None
        raise _UrlFailed(reason) from None
    except (OSError, HTTPException) as error:  # URLError is an OSError
        raise _Transient(_network_reason(error, url, timeout)) from None


def _read(response, url, timeout):
    """The next chunk of the body (b"" at its end); network failures become _Transient."""
    try:
        return response.read(CHUNK_SIZE)
    except (OSError, HTTPException) as error:
        raise _Transient(_network_reason(error, url, timeout)) from None


def _range_start(response):
    """The first byte a 206 response holds, from ``Content-Range: bytes 100-999/1000``."""
    content_range = response.headers.get("Content-Range", "")
    first = content_range.removeprefix("bytes ").partition("-")[0]
    return int(first) if first.isdigit() else None


def _transfer(url, part, what, timeout):
    """Download ``url`` into ``part`` once, continuing what ``part`` already holds.

    Raises:
        _Transient: worth another try (the bytes received so far stay in ``part``).
        _UrlFailed: this URL will not work.
        DownloadError: the disk cannot take the file.
    """
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open_url(url, start, timeout)
    except _RangeRefused:
        remove(part)
        raise
    with response:
        if start and response.status != 206:
            start = 0  # the server ignored Range and sends the whole file
        if start and _range_start(response) != start:
            remove(part)
            raise _RangeRefused("the server resumed at the wrong place; starting over")
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        chunk = _read(response, url, timeout)
        # an error, login or "we moved" page served with status 200
        if (response.headers.get_content_type() == "text/html"
                or (start == 0 and looks_like_html(chunk))):
            remove(part)
            raise _UrlFailed(f"the server sent a web page (HTML) instead of {what}; the file "
                             "has probably moved")
        _check_free_space(part, length)
        received = 0
        with disk_errors(part), open(part, "ab" if start else "wb") as file, \
                progress_bar(None if length is None else start + length, start,
                             part.name.removesuffix(".part")) as bar:
            while chunk:
                file.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
                chunk = _read(response, url, timeout)
    if length is not None and received < length:
        raise _Transient(f"the connection closed after {start + received:,} of "
                         f"{start + length:,} bytes")


def _fetch(url, part, what, policy):
    """:func:`_transfer`, retried on transient failures with a doubling wait."""
    for attempt in range(policy.retries + 1):
        try:
            _transfer(url, part, what, policy.timeout)
            return
        except _Transient as error:
            if attempt == policy.retries:
                raise _UrlFailed(f"{error} (tried {policy.retries + 1} times)") from None
            delay = policy.delay(attempt)
            print(f"  {error}; retry {attempt + 1} of {policy.retries} in {delay:g} s")
            time.sleep(delay)


def _failure_message(what, failures, part):
    """What happened when no URL gave a valid file: each URL's reason, and what was kept."""
    lines = [f"Could not download {what}:"]
    lines += [f"  {url}: {reason}" for url, reason in failures]
    if part.exists() and part.stat().st_size:
        lines.append(f"The {part.stat().st_size / 1e6:,.1f} MB received so far are kept in "
                     f"{part} and the next run resumes from there.")
    return "\n".join(lines)


def download(urls, dest, wanted, policy=None, fresh=False):
    """Flow (1): put the first file of ``urls`` that passes ``wanted.check`` at ``dest``.

    Args:
        urls: tried in order until one gives a valid file.
        dest: the final path; bytes arrive in its ``.part`` file.
        wanted: the :class:`WantedFile` the download must be.
        policy: a :class:`RetryPolicy` (default: 3 retries, waiting 2, 4 and 8 s).
        fresh: start over instead of resuming what the ``.part`` file holds (``--force``).

    Returns:
        The SHA-256 of the file now at ``dest``.

    Raises:
        DownloadError: no URL gave a valid file (the bytes received so far are kept for the
            next run), or the disk cannot take it.
    """
    policy = policy or RetryPolicy()
    part = part_path(dest)
    if fresh:
        remove(part)
    failures = []
    for url in urls:
        print(f"Downloading {url}")
        try:
            _fetch(url, part, wanted.what, policy)
            print(wanted.checking)
            try:
                description = wanted.check(part, "the downloaded file")
            except FixableError as error:
                remove(part)
                raise _UrlFailed(f"{error.reason.rstrip('.')}; it was deleted") from None
        except _UrlFailed as error:
            print(f"  failed: {error}")
            failures.append((url, str(error)))
            continue
        return _move_into_place(part, dest, description)
    raise DownloadError(_failure_message(wanted.what, failures, part), fix=ALTERNATIVES)


# -----------------------------------------------------------------------------
# (2) Copying a file the student already has


def check_source(source, dest):
    """Fail at once, with the fix, unless ``source`` (``--from-file``) is a file.

    Args:
        source: the path given with ``--from-file``.
        dest: where the file will go; its name is the one to look for in a folder.
    """
    source = Path(source)
    if source.is_dir():
        inside = source / Path(dest).name
        example = (f"the file inside it: --from-file {inside}" if inside.is_file()
                   else f"the {Path(dest).name} file itself")
        raise DownloadError(f"--from-file {source} is a folder, not a file.",
                            fix=f"Give {example}.")
    if not source.is_file():
        raise DownloadError(f"No file at {source}.",
                            fix=f"--from-file needs the path of the {Path(dest).name} file "
                                "your instructor handed out.")


def _blocks(reader, source):
    """The bytes of the open file ``reader``, 1 MiB at a time; a failed read names ``source``."""
    while True:
        try:
            block = reader.read(CHUNK_SIZE)
        except OSError as error:  # a failing USB stick: not a problem of the disk written to
            raise DownloadError(f"Cannot read {source}: {error.strerror or error}.") from None
        if not block:
            return
        yield block


def copy_in(source, dest, wanted):
    """Flow (2): copy ``source`` to ``dest`` with a progress bar (a USB stick can be slow), checked.

    Args:
        source: the student's copy; the messages name it, never the ``.part`` file.
        dest: the final path.
        wanted: the :class:`WantedFile` the copy must be.

    Returns:
        The SHA-256 of the file now at ``dest``.

    Raises:
        DownloadError: the copy is not the wanted file (nothing is installed), cannot be read,
            or the disk cannot take it.
    """
    source, part = Path(source), part_path(dest)
    size = source.stat().st_size
    _check_free_space(part, size)
    print(f"Copying {source}")
    try:
        reader = open(source, "rb")
    except OSError as error:
        raise DownloadError(f"Cannot read {source}: {error.strerror or error}.") from None
    with reader, disk_errors(part), open(part, "wb") as writer, \
            progress_bar(size, 0, source.name) as bar:
        for block in _blocks(reader, source):
            writer.write(block)
            bar.update(len(block))
    print(wanted.checking)
    try:
        description = wanted.check(part, source)
    except FixableError as error:
        remove(part)
        raise DownloadError(f"{error.reason} Nothing was installed.",
                            fix="Ask for a fresh copy, or download it: the same command "
                                "without --from-file.") from None
    return _move_into_place(part, dest, description)


# -----------------------------------------------------------------------------
# The official generator, installed by one of the two flows


def install(dest, urls=(OFFICIAL_URL,), from_file=None, force=False, policy=None,
            wanted=GENERATOR):
    """Put a verified checkpoint at ``dest``: downloaded, or copied from ``from_file``.

    Args:
        dest: the final path (exercise 1 loads ``checkpoints/facades_label2photo.pth``).
        urls: tried in order until one gives a valid file (ignored with ``from_file``).
        from_file: a local copy to install instead of downloading (the offline classroom).
        force: fetch or copy again even if a valid file is already at ``dest``.
        policy: a :class:`RetryPolicy`.
        wanted: what the file must be; tests pass a smaller generator's check.

    Returns:
        The SHA-256 of the file at ``dest``.

    Raises:
        DownloadError: a wrong argument, or no valid file could be installed; ``dest`` is left
            as it was, or removed if it was invalid, never replaced by something unchecked.
        OutputPathError: ``dest``'s folder cannot take a file.
    """
    dest = Path(dest)
    if from_file is not None:
        check_source(from_file, dest)  # a wrong argument is said before anything else
    else:
        for url in urls:
            check_url(url)
    if not force:
        digest = existing_sha256(dest, wanted)
        if digest:
            again = (f"Use --force to replace it with {from_file}." if from_file
                     else "Use --force to fetch it again.")
            print(f"Already installed and verified: {dest} (SHA-256 {digest}). {again}")
            return digest
    check_writable(dest.parent, "--output")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if from_file is not None:
        return copy_in(from_file, dest, wanted)
    return download(urls, dest, wanted, policy, fresh=force)
