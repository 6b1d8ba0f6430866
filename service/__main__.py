"""Entry point: ``python -m service`` runs the ``conceptkg`` command line."""

from __future__ import annotations

import sys

from service.cli import main

sys.exit(main())
