"""chaingrad.nn: chaingrad's nn package under the chaingrad name (see chaingrad's docstring)."""

import sys

from chaingrad import package

sys.modules[__name__] = package("nn")  # this name now stands for the package itself
