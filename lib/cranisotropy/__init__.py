"""cranisotropy: the library behind the executable book on cosmic-ray anisotropies.

Physics modules are named for what they compute (``diffusion``, ``hierarchy``,
``velocity_multipoles``, ``magnetic_plane_waves``, ...) and import nothing from the book's
plumbing, which lives in the subpackage :mod:`cranisotropy.book` (``paths``, ``results``,
``figures``, ``claims``, ``tables``).  ``validate`` holds the argument checks shared by all modules.
"""

__version__ = "0.1.0"
