"""cranisotropy: the library behind the executable book on cosmic-ray anisotropies.

Physics modules are named for what they compute (``diffusion``, ``hierarchy``, ...); the
book's plumbing lives in ``paths`` (where outputs go), ``results`` (numbers, checks and claims a
chapter records), ``figures`` (saving figures and the figure manifest) and ``validate``
(argument checks shared by all modules).
"""

__version__ = "0.1.0"
