"""The R-GCN layer against torch-geometric's RGCNConv, and its edge bookkeeping."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.nn import RGCNConv

from embeddings.rgcn import RelationalEdges, RelationalGraphConv, message_edges

NODES, RELATIONS, EDGES, DIM = 60, 5, 500, 8


@pytest.fixture
def graph() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, NODES, (2, EDGES), generator=generator)
    edge_type = torch.randint(0, RELATIONS, (EDGES,), generator=generator)
    x = torch.randn(NODES, DIM, generator=generator)
    return edge_index, edge_type, x


@pytest.mark.parametrize(
    "decomposition", [{"num_bases": 3}, {"num_blocks": 2}, {}], ids=str
)
def test_layer_matches_rgcnconv_outputs_and_gradients(
    graph: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    decomposition: dict[str, int],
) -> None:
    edge_index, edge_type, x = graph
    reference = RGCNConv(DIM, DIM, RELATIONS, aggr="mean", **decomposition)
    ours = RelationalGraphConv(DIM, DIM, RELATIONS, **decomposition)
    with torch.no_grad():
        ours.weight.copy_(reference.weight)
        ours.root.copy_(reference.root)
        ours.bias.copy_(reference.bias)
        if ours.comp is not None:
            ours.comp.copy_(reference.comp)
    x_ref, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()

    expected = reference(x_ref, edge_index, edge_type)
    found = ours(x_ours, RelationalEdges.build(edge_index, edge_type, RELATIONS, NODES))
    expected.square().sum().backward()
    found.square().sum().backward()

    torch.testing.assert_close(found, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x_ours.grad, x_ref.grad, atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(
        ours.weight.grad, reference.weight.grad, atol=1e-4, rtol=1e-5
    )


def test_relational_edges_group_target_relation_pairs_with_mean_normalizer() -> None:
    edge_index = torch.tensor([[0, 1, 2, 3], [4, 4, 4, 5]])
    edge_type = torch.tensor([1, 0, 1, 1])

    edges = RelationalEdges.build(edge_index, edge_type, 2, 6)

    assert edges.edge_type.tolist() == [0, 1, 1, 1]
    assert edges.edge_index[0].tolist() == [1, 0, 2, 3]
    # Pairs: (4, r0) <- 1; (4, r1) <- 0, 2; (5, r1) <- 3.
    assert edges.pair_index.tolist() == [0, 1, 1, 2]
    assert edges.pair_target.tolist() == [4, 4, 5]
    assert edges.pair_slices == (0, 1, 3)
    assert edges.norm.tolist() == [1.0, 0.5, 0.5, 1.0]


def test_dropped_edges_are_renormalized() -> None:
    edge_index = torch.stack([torch.arange(100), torch.zeros(100, dtype=torch.long)])
    edges = RelationalEdges.build(
        edge_index, torch.zeros(100, dtype=torch.long), 1, 100
    )

    kept = edges.drop(0.5, torch.Generator().manual_seed(1))

    assert 20 < len(kept.edge_type) < 80
    assert torch.allclose(kept.norm, torch.full_like(kept.norm, 1 / len(kept.norm)))


def test_message_edges_add_inverse_relations() -> None:
    triples = torch.tensor([[0, 0, 1], [2, 1, 0]])

    edges = message_edges(triples, 2, 3)

    pairs = set(
        zip(
            edges.edge_index[0].tolist(),
            edges.edge_type.tolist(),
            edges.edge_index[1].tolist(),
            strict=True,
        )
    )
    assert pairs == {(0, 0, 1), (2, 1, 0), (1, 2, 0), (0, 3, 2)}


def test_layer_blocks_must_divide_channels() -> None:
    with pytest.raises(ValueError, match="num_blocks=3 must divide in_channels=8"):
        RelationalGraphConv(8, 8, 2, num_blocks=3)
