"""``compose_video``: short MP4s of captioned scenes over images, with optional narration.

``tool`` holds the tool class (what the registry loads), ``arguments`` what the planner fills
in, ``frames`` draws the frames and ``checks`` decodes the finished file and compares it with
the plan.
"""
