"""The data model shared by every component, in CPython and in the browser's MicroPython."""
