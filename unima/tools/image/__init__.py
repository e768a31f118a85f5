"""``generate_image``: charts, diagrams, flowcharts, timelines and scenes, drawn without a model.

``tool`` holds the tool class (what the registry loads), ``arguments`` what the planner fills
in, ``charts``, ``diagrams`` and ``scene`` the three renderers (``scenery/`` holds the scene's settings and object drawings), ``text`` the text layout they
share and ``checks`` the read-back check.
"""
