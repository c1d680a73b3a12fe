"""Test-session setup shared by every test.

A missing or read-only HOME (some CI containers) must not turn IPython's "not a writable
location" warning into failures: before anything imports IPython or Jupyter, their folders are
pointed at writable ones (course.tool_environment, the same the `course.py` commands use).
"""
import os

from course import tool_environment

os.environ.update(tool_environment())
