"""The model's graphs run in order, without dask (``DaskGraphRunner.run``).

The Rasa server runs a graph of about fifteen nodes for each message (NLU) and again for each
action it predicts, three to four times a turn. Each run, ``DaskGraphRunner`` works out the part of
the graph the targets need (recursively, with copies), builds a dask graph and hands it to dask's
scheduler, which sets up its own bookkeeping: 1 to 2 ms of a turn's CPU, for a graph that never
changes and runs on one thread anyway.

Here the part of the graph and the order to run it in are worked out once per set of targets, and
the nodes are called in that order with the same arguments dask gives them: each node gets its
parents' ``(name, output)`` pairs and an input gets ``(name, value)``; an input named like a node
takes that node's place, as it does in the dask graph. Training (``rasa train``) still uses dask:
only the server applies this patch.
"""

from __future__ import annotations

from graphlib import TopologicalSorter
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

Schedule = tuple[tuple[str, tuple[str, ...]], ...]


def _schedule(schema: GraphSchema, targets: tuple[str, ...]) -> Schedule:
    """The nodes ``targets`` depend on, each with the names it needs, parents first."""
    needed = schema.minimal_graph_schema(list(targets)).nodes
    order = TopologicalSorter({name: [parent for parent in node.needs.values() if parent in needed]
                               for name, node in needed.items()}).static_order()
    return tuple((name, tuple(needed[name].needs.values())) for name in order)


def run_in_order(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
                 targets: list[str] | None = None) -> dict[str, Any]:
    """``DaskGraphRunner.run``: the same results, in the same form (target name -> output)."""
    run_targets = tuple(targets or self._graph_schema.target_names)
    schedules: dict[tuple[str, ...], Schedule] = self.__dict__.setdefault("_schedules", {})
    if run_targets not in schedules:
        schedules[run_targets] = _schedule(self._graph_schema, run_targets)
    schedule = schedules[run_targets]
    results: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and (value in results or any(value == node
                                                               for node, _ in schedule)):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the "
                f"input names passed to the `run` method are the same as node names in the graph "
                f"schema.")
        results[name] = (name, value)
    try:
        for name, needs in schedule:
            if name not in results:
                # as dask does, a name nothing provides is passed as the bare name
                results[name] = self._instantiated_nodes[name](
                    *(results.get(parent, parent) for parent in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results[target] for target in run_targets)
