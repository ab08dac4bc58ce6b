"""``python -m app`` opens the desktop application (or runs a sub-command)."""

import sys

from app.cli import main

sys.exit(main())
