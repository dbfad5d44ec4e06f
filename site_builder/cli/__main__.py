"""``python -m site_builder.cli``: the same as the ``rectify`` command."""

import sys

from site_builder.cli.main import main

sys.exit(main())
