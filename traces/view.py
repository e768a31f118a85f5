"""Print a unima trace: ``python traces/view.py traces/<run id>.json``."""

import sys

from unima.trace.view import main

if __name__ == "__main__":
    sys.exit(main())
