"""Plan validation: everything that can be wrong with a plan is found before anything runs."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import networkx as nx
from pydantic import ValidationError

from unima.types import Plan, placeholder_tags, tag_modality

if TYPE_CHECKING:
    from unima.graph.toolbox import Toolbox


def plan_graph(plan: Plan) -> nx.DiGraph:
    """The plan's steps as a directed graph, edges from a dependency to its dependent."""
    graph = nx.DiGraph()
    for step in plan.steps:
        graph.add_node(step.id, tool=step.tool, produces=step.produces)
    for step in plan.steps:
        for dependency in step.depends_on:
            graph.add_edge(dependency, step.id)
    return graph


def validate_plan(plan: Plan, output_tags: list[str], toolbox: Toolbox) -> list[str]:
    """Every problem with ``plan``; an empty list means the plan may run.

    Checks: step ids unique; dependencies exist; the graph is acyclic; every tool is known and
    its arguments validate against its schema; the tool's modality matches the tag it
    produces; every output tag is produced exactly once and appears in the text; the text has
    no placeholder that is not an output tag.
    """
    problems: list[str] = []
    ids = Counter(step.id for step in plan.steps)
    problems += [
        f"step id {step_id!r} is used {count} times" for step_id, count in ids.items() if count > 1
    ]
    known_ids = set(ids)
    for step in plan.steps:
        for dependency in step.depends_on:
            if dependency not in known_ids:
                problems.append(f"step {step.id!r} depends on unknown step {dependency!r}")
            if dependency == step.id:
                problems.append(f"step {step.id!r} depends on itself")
    graph = plan_graph(plan)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " -> ".join(str(edge[0]) for edge in nx.find_cycle(graph))
        problems.append(f"the steps form a cycle: {cycle}")

    for step in plan.steps:
        if step.tool not in toolbox:
            problems.append(
                f"step {step.id!r} uses unknown tool {step.tool!r}; known tools: {', '.join(toolbox.names())}"
            )
            continue
        tool = toolbox.get(step.tool)
        try:
            tool.parse_arguments(step.arguments)
        except ValidationError as error:
            details = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'arguments'}: {issue['msg']}"
                for issue in error.errors()
            )
            problems.append(f"step {step.id!r} ({step.tool}) has invalid arguments: {details}")
        if step.produces is not None:
            try:
                modality = tag_modality(step.produces)
            except ValueError:
                problems.append(
                    f"step {step.id!r} produces {step.produces!r}, which is not a placeholder tag"
                )
                continue
            if modality != tool.modality:
                problems.append(
                    f"step {step.id!r} produces <{step.produces}> ({modality}) with {step.tool}, "
                    f"which makes {tool.modality}"
                )

    produced = Counter(step.produces for step in plan.steps if step.produces)
    for tag in output_tags:
        if produced[tag] == 0:
            problems.append(f"no step produces <{tag}>")
        elif produced[tag] > 1:
            problems.append(f"<{tag}> is produced by {produced[tag]} steps; it must be exactly one")
    problems += [
        f"step output <{tag}> is not one of the answer's tags"
        for tag in produced
        if tag not in output_tags
    ]

    in_text = Counter(placeholder_tags(plan.content))
    problems += [f"the text never places <{tag}>" for tag in output_tags if in_text[tag] == 0]
    problems += [
        f"the text places <{tag}> {count} times; place it once"
        for tag, count in in_text.items()
        if count > 1 and tag in output_tags
    ]
    problems += [
        f"the text places <{tag}>, which is not an output of this answer"
        for tag in in_text
        if tag not in output_tags
    ]
    return problems


def dependents_of(plan: Plan, step_ids: set[str]) -> set[str]:
    """``step_ids`` and every step that depends on them, directly or not."""
    graph = plan_graph(plan)
    result = set(step_ids)
    for step_id in step_ids:
        if step_id in graph:
            result |= nx.descendants(graph, step_id)
    return result


def critical_path_order(plan: Plan) -> list[str]:
    """Step ids in a dependency-respecting order (stable for equal ranks)."""
    return list(nx.lexicographical_topological_sort(plan_graph(plan)))
