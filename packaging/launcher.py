"""The frozen program's entry point (PyInstaller runs this file as ``__main__``).

The same as the ``mendel`` command (``app.cli:main``): no arguments open the window, a
sub-command runs headless.
"""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not start the app again
    sys.exit(main())
