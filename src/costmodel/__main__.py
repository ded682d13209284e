"""``python -m costmodel ...`` is the same as the ``costmodel`` script."""
import sys

from costmodel.cli import main

sys.exit(main())
