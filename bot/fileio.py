"""Writing files so that a reader or a crash never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: str) -> Path:
    """Writes through a temporary file in the same directory, then renames it into place."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                     suffix=".tmp") as handle:
        handle.write(content)
    try:
        os.replace(handle.name, path)
    except OSError:
        os.unlink(handle.name)
        raise
    return path
