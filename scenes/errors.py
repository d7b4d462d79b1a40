"""Errors of the scene layer that do not need manim to be caught."""


class SceneContractError(RuntimeError):
    """A scene played cues other than its declared CUES (a bug in the scene, not user input)."""
