"""Fetch the official pretrained pix2pix facades generator: run this once before exercise 1.

    python download_pretrained.py

Downloads ``facades_label2photo.pth`` (about 218 MB, the generator of the paper trained on the
CMP facades) into ``checkpoints/``, where exercises 1 and 2 look for it, verifies it and prints
its SHA-256. Takes as long as 218 MB take on your network; a second run checks the file in a
second or two and exits. Works from any directory. The mechanics live in
``pix2pix/weights/download.py``.
"""

import argparse
import sys

from pix2pix.errors import FixableError, run_script
from pix2pix.paths import FACADES_CHECKPOINT
from pix2pix.weights.download import (OFFICIAL_URL, add_download_arguments, install,
                                      policy_from)

EPILOG = f"""\
mirrors:
  The official server has moved and gone down before. Give one or more mirrors with --url
  (repeat it); they are tried in the order given, instead of the official URL
    {OFFICIAL_URL}
  Add that URL as one of the --url values to keep it in the list.

offline classrooms:
  An instructor downloads the file once and hands it out (USB stick, course share). Each student
  runs  python download_pretrained.py --from-file /media/usb/facades_label2photo.pth
  which verifies the copy exactly like a download and installs it.

resuming and retries:
  Bytes go to checkpoints/facades_label2photo.pth.part. An interrupted run (Ctrl+C, lost Wi-Fi)
  leaves it there, and the next run resumes it: it asks the server for the missing bytes only
  (HTTP Range). Server errors (5xx), resets and timeouts are retried, waiting longer each time
  (--retries, --retry-wait); then the next --url is tried.

verification:
  Every file, downloaded or copied, must load with torch.load(weights_only=True) and hold exactly
  the official generator's tensors and shapes (54,413,955 weights); weights that look untrained
  (statistics still at their initial values) are installed with a warning. Only then is a file
  renamed to its final name, and its SHA-256 is printed and stored in
  facades_label2photo.pth.sha256, so a later run re-checks it by hashing alone. A corrupted or
  invalid file is reported and replaced.

exit status:
  0 when a verified file is in place (also when it already was), 1 on any failure, with one
  message saying what went wrong and what to try; 130 when interrupted.
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Download, verify and install the official pretrained pix2pix generator "
                    "(facades_label2photo) for exercises 1 and 2.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_download_arguments(parser, "a copy of the .pth file")
    parser.add_argument("--output", default=str(FACADES_CHECKPOINT), metavar="PATH",
                        help=f"where to put the file (default: {FACADES_CHECKPOINT})")
    args = parser.parse_args(argv)
    return args, policy_from(parser, args)


def main(argv=None):
    args, policy = parse_args(argv)
    try:
        install(args.output, urls=args.url or [OFFICIAL_URL], from_file=args.from_file,
                force=args.force, policy=policy)
    except FixableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again: the download resumes where it stopped.",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    run_script(main)
