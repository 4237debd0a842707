"""feedpub: a press office's release text files → RSS 2.0 and Atom 1.0 feeds per department."""

from feedpub.dates import parse_date
from feedpub.release import Caption, Release, ReleaseError

__version__ = "0.1.0"

__all__ = ["Caption", "Release", "ReleaseError", "__version__", "parse_date"]
