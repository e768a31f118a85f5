"""``synthesize_speech``: a script spoken aloud by an embedded neural voice.

``tool`` holds the tool class (what the registry loads), ``arguments`` what the planner fills
in and ``checks`` listens back to the clip.
"""
