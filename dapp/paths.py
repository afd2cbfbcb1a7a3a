"""Where the platform keeps its files. Everything is under the project unless told otherwise."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The platform's data folder: chain state, deployment records, documents, serial lists.

    `MEDCHAIN_DATA` moves it (the tests give each run its own).
    """
    return Path(os.environ.get("MEDCHAIN_DATA", PROJECT_ROOT / "data"))


def deployments_dir() -> Path:
    return data_dir() / "deployments"


def documents_dir() -> Path:
    return data_dir() / "documents"


def serials_dir() -> Path:
    """Manufacturers' serial lists: private files, never published (only their roots are)."""
    return data_dir() / "serials"
