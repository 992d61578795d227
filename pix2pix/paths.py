"""Where the project's files live, so every script works from any current directory.

Paths are found from this file's location, never from the current directory: a student may run
``python exercise1_observe.py`` inside ``exercises/`` or ``python exercises/exercise1_observe.py``
from the project root.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT_DIR = PROJECT_ROOT / "checkpoints"
# the file download_pretrained.py writes and exercises 1 and 2 load by default
FACADES_CHECKPOINT = CHECKPOINT_DIR / "facades_label2photo.pth"
SAMPLE_FACADES_DIR = PROJECT_ROOT / "sample_facades"
