__version__ = "0.3.0"  # always nomyo-web's version: pyproject.toml pins nomyo-web==this
