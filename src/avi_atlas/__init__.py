"""avi-atlas: validate a YAML catalog of audio-visual AI research and publish it as a static site."""

__version__ = "0.1.0"
