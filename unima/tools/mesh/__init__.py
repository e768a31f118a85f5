"""``generate_mesh``: 3D models (GLB, OBJ, PLY, STL) assembled from primitive parts.

``tool`` holds the tool class and the part builder (what the registry loads), ``arguments``
what the planner fills in and ``checks`` loads a written file back and records its geometry.
"""
