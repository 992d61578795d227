"""Fetch one of the official pix2pix data sets by name, unpack it safely and check it.

    python download_dataset.py facades

Names: facades, cityscapes, maps, edges2shoes, edges2handbags, night2day. Downloads
``NAME.tar.gz`` from the pix2pix authors' server into ``datasets/`` (git-ignored), unpacks it to
``datasets/NAME/{train,val[,test]}/`` and checks what arrived (facades: 400 train, 100 val and 106
test images of 512x256), then deletes the archive. Each image holds a pair side by side, A on
the left and B on the right: the official aligned layout. Facades' labels are its B, so
label -> photo is ``--direction BtoA``; ``translate.py --evaluate datasets/facades/test
--direction BtoA`` evaluates a generator on its test split.

Runtime: facades is about 30 MB, a few seconds to a minute; edges2handbags is several GB. A
second run checks the folder and exits. Works from any directory. The mechanics live in
``pix2pix/datasets/official_sets.py`` and ``pix2pix/weights/download.py``.
"""

import argparse
import sys

from pix2pix.datasets.official_sets import DATASETS_DIR, OFFICIAL_ROOT, OFFICIAL_SETS, Source, \
    install_dataset
from pix2pix.errors import FixableError, run_script
from pix2pix.weights.download import add_download_arguments, policy_from

SETS = "\n".join(f"  {name:15} {dataset.about}" for name, dataset in OFFICIAL_SETS.items())
EPILOG = f"""\
data sets (the official descriptions):
{SETS}

sources:
  {OFFICIAL_ROOT}/NAME.tar.gz, or the mirrors given with --url (tried in order), or a copy
  of NAME.tar.gz handed out in class: --from-file /media/usb/facades.tar.gz (it is unpacked
  where it is and never deleted).

resuming and retries:
  Bytes go to datasets/NAME.tar.gz.part; an interrupted download resumes where it stopped.
  Server errors (5xx), resets and timeouts are retried, waiting longer each time.

safety:
  An archive is untrusted. Every member must be a plain file or folder inside the data set's
  folder: a path with .. or /, a link or a device stops the unpacking with a message. The set
  is unpacked into a hidden folder and renamed into place only after the check, so
  datasets/NAME is either complete or absent.

exit status:
  0 when the checked set is in place (also when it already was), 1 on any failure, with one
  message saying what went wrong and what to try; 130 when interrupted.
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Download, unpack and check an official pix2pix data set.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=OFFICIAL_SETS, metavar="NAME",
                        help=f"the data set: {', '.join(OFFICIAL_SETS)}")
    add_download_arguments(parser, "a copy of NAME.tar.gz")
    parser.add_argument("--output", metavar="DIR",
                        help=f"the data set's folder (default: {DATASETS_DIR}/NAME)")
    parser.add_argument("--keep-archive", action="store_true",
                        help="keep the downloaded .tar.gz after unpacking, e.g. to hand it "
                             "out (default: deleted)")
    args = parser.parse_args(argv)
    return args, policy_from(parser, args)


def main(argv=None):
    args, policy = parse_args(argv)
    source = Source(urls=args.url, from_file=args.from_file, force=args.force, policy=policy,
                    keep_archive=args.keep_archive)
    try:
        install_dataset(args.name, args.output, source)
    except FixableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again: a download resumes where it stopped, "
              "an unpacking starts over.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    run_script(main)
