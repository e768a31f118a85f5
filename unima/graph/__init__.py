"""The Traceable Evidence Reasoning chain as a LangGraph graph (wired only in ``build``)."""
