"""dlsolve: worked-example solver for deep-learning exam problems.

The package root imports nothing heavy: ``dlsolve --help`` should load only click.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "solve"]


def solve(spec, **options):
    """Solve one problem given as a YAML path or a mapping; return its Solution.

    Args:
        spec: a path to a YAML spec file, or a mapping in the spec forms of the design notes.
        **options: solve settings that a command line flag would give (``round``, ``epochs``...).

    Returns:
        The Solution: ``.steps``, ``.results``, ``.render(fmt)``.
    """
    from dlsolve.api import solve as _solve

    return _solve(spec, **options)
