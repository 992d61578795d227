"""Verified, resumable installation of the official pretrained generator.

The mechanics behind ``download_pretrained.py``, the command a student runs before exercise 1.
The official server has moved, answered 404 and 503, and sat behind slow classroom networks, so
every step here assumes it can fail:

* bytes go to ``<name>.part`` in the destination folder; only a file that passed verification is
  renamed to its final name, so exercise 1 never finds a file that merely looks complete;
* an interrupted transfer resumes from the ``.part`` file with an HTTP ``Range`` request;
* transient failures (5xx, resets, timeouts, refused connections) are retried with a growing wait,
  then the next mirror is tried;
* every candidate, downloaded or copied, is loaded weights-only and checked key by key and shape
  by shape against the generator (:mod:`pix2pix.weights.official`), and its weights are counted; a
  file that is not a checkpoint is named for what it is (an HTML page, random bytes), and weights
  that look untrained are installed with a warning;
* the verified file's SHA-256 is stored next to it (``<name>.sha256``, the ``sha256sum`` format),
  so a later run re-checks it by hashing alone and notices a corrupted or replaced file.

Every failure becomes a :class:`DownloadError` whose message says what happened and what to do.
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
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

import torch
from tqdm import tqdm

from pix2pix.errors import FixableError
from pix2pix.models import UNetGenerator
from pix2pix.weights.official import (
    DOWNLOAD_HINT,
    CheckpointError,
    from_official_state_dict,
    load_state_dict_file,
    looks_like_html,
    warn_if_untrained,
)

OFFICIAL_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/facades_label2photo.pth"
OFFICIAL_PARAMETER_COUNT = 54_413_955  # the unet_256 generator of the paper
CHUNK_SIZE = 1 << 20  # 1 MiB: few system calls, and a progress bar that still moves often
USER_AGENT = "pix2pix-course-download"
# a few seconds for 218 MB, said before it starts
VERIFYING = "Verifying: loading it weights-only, checking every tensor's name and shape ..."
ALTERNATIVES = ("Alternatives: try again later (a partial download resumes where it stopped); "
                "use a mirror with --url MIRROR; or install a copy your instructor handed out "
                "with --from-file PATH.")


class DownloadError(FixableError):
    """A failure the student can act on; the message says what happened and what to do."""


class _Transient(Exception):
    """A failure worth another try of the same URL (5xx, reset, timeout, short body)."""


class _RangeRefused(_Transient):
    """HTTP 416: the partial file is not a prefix the server knows; the next try starts over."""


class _UrlFailed(Exception):
    """This URL will not give us the checkpoint (404, a web page, a wrong file): try the next."""


@dataclass
class RetryPolicy:
    """How often to retry one URL, and how long to wait: ``wait``, then twice that, and so on.

    A server that answers 503 is usually overloaded; hammering it again at once rarely helps,
    which is why the wait doubles.
    """

    retries: int = 3
    wait: float = 2.0

    def delay(self, attempt):
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        return self.wait * 2 ** attempt


# -----------------------------------------------------------------------------
# Verification


def verify_checkpoint(path, config=None, parameter_count=OFFICIAL_PARAMETER_COUNT, name=None):
    """Check that ``path`` holds the official generator's weights, and count them.

    Reuses :mod:`pix2pix.weights.official`: a weights-only load (a checkpoint is untrusted input),
    then exactly the generator's keys with the right shapes (the 2017 file without BatchNorm's
    ``num_batches_tracked`` counts as valid), then the number of weights, then whether they
    look trained.

    Args:
        path: the candidate file.
        config: the generator's :class:`~pix2pix.models.GeneratorConfig` (default ``unet_256``).
        parameter_count: how many weights the file must hold.
        name: what the messages call the file (default: ``path``); the student's file, not
            the ``.part`` copy being checked.

    Returns:
        The number of weights in the file.

    Raises:
        CheckpointError: the file is not a checkpoint of that generator.

    Warns:
        UntrainedWeightsWarning: the right layers, but values that were never trained.
    """
    name = name or path
    state_dict = from_official_state_dict(load_state_dict_file(path, name), config, name)
    # the meta device gives the parameters' names without allocating 218 MB for them
    with torch.device("meta"):
        names = [name for name, _ in UNetGenerator(config).named_parameters()]
    count = sum(state_dict[name].numel() for name in names)
    if count != parameter_count:
        raise CheckpointError(f"{name} holds {count:,} weights instead of {parameter_count:,}.")
    warn_if_untrained(state_dict, name)
    return count


def sha256_of(path):
    """The SHA-256 of a file as 64 hex digits, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_path(path):
    """Where the SHA-256 of a verified file is stored: ``model.pth`` -> ``model.pth.sha256``."""
    return path.with_name(path.name + ".sha256")


def part_path(path):
    """The temporary file a download or copy is written to, in the same folder as ``path``.

    The same folder makes the final rename atomic (no half-copied file across file systems).
    """
    return path.with_name(path.name + ".part")


def _reason(error):
    """A CheckpointError's message without the hint to run the download script we are in."""
    return str(error).replace(DOWNLOAD_HINT, "").strip()


def _recorded_sha256(path):
    """The SHA-256 stored next to ``path``, or None when there is none."""
    try:
        return sha256_path(path).read_text().split()[0].lower()
    except (OSError, IndexError):
        return None


def existing_sha256(dest, verify=verify_checkpoint, log=print):
    """The SHA-256 of a valid file already at ``dest``; None (after removing it) if it is invalid.

    With a stored SHA-256 the check is a hash of the file (about a second); a mismatch means the
    file was corrupted or replaced. Without one, the file is verified in full and its hash stored.
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
            verify(dest)
            _record_sha256(dest, digest)
            return digest
        except CheckpointError as error:
            reason = _reason(error)
    log(f"{reason} Removing it to fetch a fresh copy.")
    _remove(dest)
    _remove(sha256_path(dest))
    return None


# -----------------------------------------------------------------------------
# Files on disk: every OSError becomes a message about the disk, not a traceback


def _disk_error(error, path):
    """Turn an OSError while writing ``path`` into a DownloadError that names the fix."""
    if error.errno == errno.ENOSPC:
        return DownloadError(f"No space left on the disk that holds {path.parent}. Free about "
                             "250 MB and run the command again (a partial download resumes).")
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EROFS):
        return DownloadError(f"Cannot write to {path.parent} (permission denied). Run the "
                             "command in a copy of the course you own, or choose another file "
                             "with --output PATH.")
    return DownloadError(f"Cannot write {path}: {error.strerror or error}.")


def _remove(path):
    """Delete ``path`` if it exists."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _disk_error(error, path) from None


def _check_writable(folder):
    """Fail before any network traffic if ``folder`` cannot take a new file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".write-test", "wb"):
            pass
        os.remove(folder / ".write-test")
    except OSError as error:
        raise _disk_error(error, folder / ".write-test") from None


def _check_free_space(path, size):
    """Fail early, with the sizes, if ``size`` more bytes do not fit next to ``path``."""
    free = shutil.disk_usage(path.parent).free
    if size is not None and size > free:
        raise DownloadError(f"No space left: {size / 1e6:,.1f} MB are needed in {path.parent} "
                            f"but only {free / 1e6:,.1f} MB are free. Free some space and run "
                            "the command again.")


def _write(file, chunk, path):
    """Append ``chunk`` to the open ``file`` at ``path``; disk errors become DownloadErrors."""
    try:
        file.write(chunk)
    except OSError as error:
        raise _disk_error(error, path) from None


def _open_for_writing(path, mode):
    """``open(path, mode)`` whose failures become DownloadErrors."""
    try:
        return open(path, mode)
    except OSError as error:
        raise _disk_error(error, path) from None


def _record_sha256(dest, digest):
    """Store ``digest`` next to ``dest`` in the format ``sha256sum --check`` reads."""
    try:
        sha256_path(dest).write_text(f"{digest}  {dest.name}\n")
    except OSError as error:
        raise _disk_error(error, sha256_path(dest)) from None


def _progress_bar(total, initial, name):
    """A tqdm bar in bytes: size, speed and time left."""
    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=name, dynamic_ncols=True)


# -----------------------------------------------------------------------------
# One HTTP transfer, resumed from the .part file


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
    """Send the GET (with ``Range`` when resuming) and return the response.

    ``timeout`` bounds the connection and then every single read: a stalled server fails after
    ``timeout`` seconds of silence, while a slow but steady one may take as long as it needs.
    """
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


def _looks_like_html(response, first_chunk):
    """A web page served with status 200: an error, login or "we moved" page, not weights."""
    return response.headers.get_content_type() == "text/html" or looks_like_html(first_chunk)


def _transfer(url, part, timeout):
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
        _remove(part)
        raise
    with response:
        if start and response.status != 206:
            start = 0  # the server ignored Range and sends the whole file
        if start and _range_start(response) != start:
            _remove(part)
            raise _RangeRefused("the server resumed at the wrong place; starting over")
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        total = None if length is None else start + length
        first_chunk = _read(response, url, timeout)
        if _looks_like_html(response, first_chunk if start == 0 else b""):
            _remove(part)
            raise _UrlFailed("the server sent a web page (HTML) instead of the checkpoint; "
                             "the file has probably moved")
        _check_free_space(part, length)
        received = 0
        with _open_for_writing(part, "ab" if start else "wb") as file, \
                _progress_bar(total, start, part.name[:-len(".part")]) as bar:
            chunk = first_chunk
            while chunk:
                _write(file, chunk, part)
                received += len(chunk)
                bar.update(len(chunk))
                chunk = _read(response, url, timeout)
    if length is not None and received < length:
        raise _Transient(f"the connection closed after {start + received:,} of {total:,} bytes")


def _fetch(url, part, policy, timeout, log, sleep):
    """:func:`_transfer`, retried on transient failures with a doubling wait."""
    for attempt in range(policy.retries + 1):
        try:
            _transfer(url, part, timeout)
            return
        except _Transient as error:
            if attempt == policy.retries:
                raise _UrlFailed(f"{error} (tried {policy.retries + 1} times)") from None
            delay = policy.delay(attempt)
            log(f"  {error}; retry {attempt + 1} of {policy.retries} in {delay:g} s")
            sleep(delay)


# -----------------------------------------------------------------------------
# Installing: from the network or from a file, verified, then renamed into place


def _copy(source, part):
    """Copy ``source`` into ``part`` with a progress bar (a USB stick can be slow)."""
    source = Path(source)
    if not source.is_file():
        raise DownloadError(f"No file at {source}. --from-file needs the path of the .pth file "
                            "your instructor handed out.")
    size = source.stat().st_size
    _check_free_space(part, size)
    with _open_for_writing(part, "wb") as writer, _progress_bar(size, 0, source.name) as bar:
        try:
            reader = open(source, "rb")
        except OSError as error:
            raise DownloadError(f"Cannot read {source}: {error.strerror or error}.") from None
        with reader:
            for block in iter(lambda: reader.read(CHUNK_SIZE), b""):
                _write(writer, block, part)
                bar.update(len(block))


def _move_into_place(part, dest, count, log):
    """Rename the verified ``part`` to ``dest``, store and print its SHA-256."""
    digest = sha256_of(part)
    _remove(sha256_path(dest))  # a stale hash must never vouch for the new file
    try:
        os.replace(part, dest)
    except OSError as error:
        raise _disk_error(error, dest) from None
    _record_sha256(dest, digest)
    log(f"Saved {dest} ({dest.stat().st_size / 1e6:,.1f} MB, {count:,} weights, verified).")
    log(f"SHA-256: {digest} (stored in {sha256_path(dest).name})")
    return digest


def _failure_message(failures, part):
    """The one message printed when no URL gave a valid checkpoint."""
    lines = ["Could not download the pretrained generator:"]
    lines += [f"  {url}: {reason}" for url, reason in failures]
    if part.exists() and part.stat().st_size:
        lines.append(f"The {part.stat().st_size / 1e6:,.1f} MB received so far are kept in "
                     f"{part} and the next run resumes from there.")
    lines.append(ALTERNATIVES)
    return "\n".join(lines)


def install(dest, urls=(OFFICIAL_URL,), from_file=None, force=False, verify=verify_checkpoint,
            policy=None, timeout=30.0, log=print, sleep=time.sleep):
    """Put a verified checkpoint at ``dest``, downloading it or copying it from ``from_file``.

    Args:
        dest: the final path (exercise 1 loads ``checkpoints/facades_label2photo.pth``).
        urls: tried in order until one gives a valid file.
        from_file: a local copy to install instead of downloading (the offline classroom).
        force: fetch again even if a valid file is already at ``dest``.
        verify: ``verify(path, name=None) -> number of weights``, raising CheckpointError for a
            wrong file, whose message calls it ``name``; tests pass a smaller generator's check.
        policy: a :class:`RetryPolicy` (default: 3 retries, waiting 2, 4 and 8 s).
        timeout: seconds to wait for the connection and for each read.
        log: where progress messages go.
        sleep: how to wait between retries.

    Returns:
        The SHA-256 of the file at ``dest``.

    Raises:
        DownloadError: no valid file could be installed; ``dest`` is left as it was, or removed
            if it was invalid, never replaced by something unverified.
    """
    dest = Path(dest)
    policy = policy or RetryPolicy()
    if not force:
        digest = existing_sha256(dest, verify, log)
        if digest:
            log(f"Already downloaded and verified: {dest} (SHA-256 {digest}). "
                "Use --force to fetch it again.")
            return digest
    _check_writable(dest.parent)
    part = part_path(dest)

    if from_file is not None:
        log(f"Copying {from_file}")
        _copy(from_file, part)
        log(VERIFYING)
        try:
            count = verify(part, name=from_file)  # messages name the student's file
        except CheckpointError as error:
            _remove(part)
            raise DownloadError(f"{_reason(error)} Nothing was installed. Ask for a fresh "
                                "copy, or download it with `python download_pretrained.py`."
                                ) from None
        return _move_into_place(part, dest, count, log)

    if force:
        _remove(part)  # --force means a fresh transfer, not the rest of an old one
    failures = []
    for url in urls:
        log(f"Downloading {url}")
        try:
            _fetch(url, part, policy, timeout, log, sleep)
            log(VERIFYING)
            try:
                count = verify(part, name="the downloaded file")
            except CheckpointError as error:
                _remove(part)
                raise _UrlFailed(f"{_reason(error).rstrip('.')}; it was deleted") from None
        except _UrlFailed as error:
            log(f"  failed: {error}")
            failures.append((url, str(error)))
            continue
        return _move_into_place(part, dest, count, log)
    raise DownloadError(_failure_message(failures, part))
