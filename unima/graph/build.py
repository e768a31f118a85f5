"""The only place that wires the graph's edges.

receive → caption → analyse → plan ⇒ run_step × N (parallel Send) → assemble → check → judge,
and judge routes back to plan (text wrong) or to the failed steps (tool failures), or ends.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from unima.graph.context import RunContext
from unima.graph.finish import assemble, check, judge, route_after_judge
from unima.graph.planning import dispatch, plan, run_step
from unima.graph.state import AgentState
from unima.graph.understand import analyse, caption, receive


def build_graph(checkpointer: Any = None) -> Any:
    """Compile the agent graph (optionally with a LangGraph checkpointer for resume)."""
    graph = StateGraph(AgentState, context_schema=RunContext)
    graph.add_node("receive", receive)
    graph.add_node("caption", caption)
    graph.add_node("analyse", analyse)
    graph.add_node("plan", plan)
    graph.add_node("run_step", run_step)  # type: ignore[call-overload]  # a Send task, not state
    graph.add_node("assemble", assemble)
    graph.add_node("check", check)
    graph.add_node("judge", judge)

    graph.add_edge(START, "receive")
    graph.add_edge("receive", "caption")
    graph.add_edge("caption", "analyse")
    graph.add_edge("analyse", "plan")
    graph.add_conditional_edges("plan", dispatch, ["run_step", "assemble"])
    graph.add_edge("run_step", "assemble")
    graph.add_edge("assemble", "check")
    graph.add_edge("check", "judge")
    graph.add_conditional_edges("judge", route_after_judge, ["plan", "run_step", END])
    return graph.compile(checkpointer=checkpointer)
