"""Test doubles shipped with unima: a scripted chat model and deterministic fake tools.

They are first-class code so users can test their own graphs and reasoners offline.
"""

from unima.testing.chat import ScriptedChatModel
from unima.testing.tools import FakeTool, fake_toolbox

__all__ = ["FakeTool", "ScriptedChatModel", "fake_toolbox"]
