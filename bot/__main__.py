"""`python -m bot` runs the CLI."""

import sys

from bot.cli import main

sys.exit(main())
