"""The deterministic reasoner: no model, for tests and for users who want reproducible runs.

``reasoner`` holds ``HeuristicReasoner``; ``content`` writes the tool arguments of each
placeholder; ``perception_facts`` states what perception found; ``analysis_code`` writes the
data-analysis code; ``text_tools`` has the small text helpers (key terms, topics, numbers).
"""
