"""Human-readable text of CLI results; the --json output bypasses this module."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from graph.importers import ImportReport
from service._generated.conceptkg.v1 import concepts_pb2 as cpb
from service._generated.conceptkg.v1 import graph_pb2 as pb

_ARROWS = {pb.DIRECTION_OUT: "->", pb.DIRECTION_IN: "<-"}
_SHOWN_BAD_LINES = 20


def concept_text(concept: pb.Concept) -> str:
    """A concept as labelled lines."""
    lines = [
        f"{concept.uri}",
        f"  label:  {concept.label}",
        f"  lang:   {concept.lang}",
    ]
    if concept.pos:
        lines.append(f"  pos:    {concept.pos}")
    if concept.sense:
        lines.append(f"  sense:  {concept.sense}")
    lines.append(f"  degree: {concept.degree}")
    lines.extend(f"  url:    {url}" for url in concept.external_urls)
    return "\n".join(lines)


def edge_line(edge: pb.Edge) -> str:
    """One edge on one line: weight, start, relation, end."""
    return f"{edge.weight:7.3f}  {edge.start}  {edge.relation}  {edge.end}"


def edges_text(page: pb.QueryEdgesResponse) -> str:
    """A page of edges and, when there is one, the next page token."""
    lines = [edge_line(edge) for edge in page.edges] or ["(no edges)"]
    if page.next_page_token:
        lines.append(f"next page: --page-token {page.next_page_token}")
    return "\n".join(lines)


def neighbors_text(neighbors: list[pb.Neighbor]) -> str:
    """Neighbors with the relation and direction that link them."""
    if not neighbors:
        return "(no neighbors)"
    return "\n".join(
        f"{n.edge.weight:7.3f}  {_ARROWS.get(n.direction, '--')} "
        f"{n.edge.relation}  {n.uri}  ({n.label})"
        for n in neighbors
    )


def paths_text(start: str, end: str, paths: list[pb.Path]) -> str:
    """Each path as a chain of concepts and relations."""
    if not paths:
        return f"no path from {start} to {end} within the hop limit"
    blocks = []
    for number, path in enumerate(paths, start=1):
        chain = [path.concepts[0]] if path.concepts else []
        for step in path.steps:
            arrow = (
                f"-{step.edge.relation}->"
                if step.forward
                else f"<-{step.edge.relation}-"
            )
            chain.append(f"{arrow} {step.to_uri}")
        blocks.append(f"path {number} (cost {path.cost:.3f}): " + " ".join(chain))
    return "\n".join(blocks)


def subgraph_text(graph: pb.SubgraphResponse) -> str:
    """Nodes by hop, then edges."""
    lines = [f"{len(graph.nodes)} nodes, {len(graph.edges)} edges"]
    if graph.truncated:
        lines[0] += " (truncated at the cap)"
    lines.extend(f"  hop {node.hop}  {node.uri}" for node in graph.nodes)
    lines.extend("  " + edge_line(edge) for edge in graph.edges)
    return "\n".join(lines)


def scored_text(concepts: list[cpb.ScoredConcept]) -> str:
    """Concepts with their cosine scores, best first."""
    if not concepts:
        return "(no concepts)"
    return "\n".join(
        f"{c.score:6.3f}  {'-' if c.negated else ' '}{c.uri}  ({c.label})"
        for c in concepts
    )


def names_text(names: list[cpb.DirectionNames]) -> str:
    """One line per direction: its best concepts and the margin."""
    lines = []
    for number, name in enumerate(names):
        best = ", ".join(f"{c.uri} {c.score:.3f}" for c in name.concepts)
        lines.append(f"{number:5d}  margin {name.margin:.3f}  {best}")
    return "\n".join(lines) or "(no directions)"


def spaces_text(spaces: list[cpb.SpaceInfo]) -> str:
    """Spaces with their newest alignment's held-out scores."""
    if not spaces:
        return "(no spaces)"
    lines = []
    for space in spaces:
        line = f"{space.name}  dim {space.dim}"
        if space.alignment_version:
            line += (
                f"  alignment v{space.alignment_version} {space.alignment_method}"
                f"  held-out cosine {space.heldout_cosine:.3f}"
                f"  acc@1 {space.heldout_accuracy_at_1:.3f}"
            )
        else:
            line += "  (no alignment)"
        lines.append(line)
    return "\n".join(lines)


def stats_text(stats: pb.StatsResponse) -> str:
    """Totals and the largest groups."""
    lines = [
        f"concepts:       {stats.concepts}",
        f"edges:          {stats.edges}",
        f"relations:      {stats.relations}",
        f"external links: {stats.external_links}",
    ]
    for title, counts in (
        ("edges by relation", stats.edges_by_relation),
        ("edges by dataset", stats.edges_by_dataset),
        ("concepts by language", stats.concepts_by_lang),
    ):
        lines.append(f"{title}:")
        for key, value in sorted(counts.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {value:9d}  {key}")
    return "\n".join(lines)


def report_dict(report: ImportReport) -> dict[str, Any]:
    """An import report as plain data for --json."""
    return {
        "lines": report.lines,
        **asdict(report.written),
        "filtered": report.filtered,
        "bad": report.bad,
        "bad_lines": [asdict(line) for line in report.bad_lines],
        "batches": report.batches,
    }


def report_text(name: str, report: ImportReport) -> str:
    """A short import summary with the first bad lines."""
    written = report.written
    lines = [
        f"{name}: {report.lines} lines, {written.inserted} inserted, "
        f"{written.updated} updated, {written.unchanged} unchanged, "
        f"{written.duplicates} repeated, {report.filtered} filtered, "
        f"{report.bad} bad"
    ]
    for bad in report.bad_lines[:_SHOWN_BAD_LINES]:
        lines.append(f"  line {bad.line_number}: {bad.reason}")
    if report.bad > _SHOWN_BAD_LINES:
        lines.append(f"  ... {report.bad - _SHOWN_BAD_LINES} more bad lines")
    return "\n".join(lines) + "\n"
