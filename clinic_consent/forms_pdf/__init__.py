"""Consent form templates with their versions, and the PDF documents generated from them."""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# cryptography 51 deprecates DSA, and pyHanko 0.38 imports its key class as it loads: without
# this every command would print a warning about an algorithm the practice seal never uses.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "DSA is deprecated", CryptographyDeprecationWarning)
    import pyhanko.sign  # noqa: F401
