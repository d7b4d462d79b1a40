"""Manim scenes, one module per lesson, drawing numbers from the engine's traces."""
