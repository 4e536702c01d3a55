"""Where the checkout is: the servers, the generated data and the run files are found from here."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
