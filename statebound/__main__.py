"""``python -m statebound``: the command line."""

from .cli import main

raise SystemExit(main())
