"""``render_document``: PDF, DOCX and Markdown documents with sections, tables and figures.

``tool`` holds the tool class (what the registry loads), ``arguments`` what the planner fills
in, ``figures`` the embedded images, ``writers`` the three file writers and ``checks`` the
read-back check.
"""
