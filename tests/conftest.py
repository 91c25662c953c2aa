"""The whole suite runs at the time plan's reference pace (``CXMATCH_PACE=1``): a command's
work budget, and so its proposals, do not depend on the machine the tests run on, and no test
measures the machine or writes to the user's cache (tests/engine/cli/test_pace.py does, in a
folder of its own)."""

import os

os.environ["CXMATCH_PACE"] = "1"
