"""The version of boxed.

The one source of the version is the file VERSION at the top of the source
tree. In the tree, boxed/VERSION links to it; an installation (make install,
the packages, pip) holds a copy. Either way it sits beside this module.
"""

from pathlib import Path

__version__ = Path(__file__).with_name("VERSION").read_text(encoding="ascii").strip()
