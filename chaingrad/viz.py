"""chaingrad.viz: chaingrad's viz package under the chaingrad name (see chaingrad's docstring)."""

import sys

from chaingrad import package

sys.modules[__name__] = package("viz")  # this name now stands for the package itself
