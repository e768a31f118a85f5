"""``generate_mesh``: 3D models (GLB, OBJ, PLY, STL) assembled from primitive parts.

``tool`` holds the tool class and its arguments (what the registry loads) and the part builder;
``checks`` loads a written file back and records its geometry.
"""
