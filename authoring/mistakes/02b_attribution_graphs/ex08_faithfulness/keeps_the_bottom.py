# Sorts the influence in increasing order, so it keeps the N least influential latents.
def faithfulness_curve(model, transcoders: dict, graph: Graph, influence: Tensor, io_id: int, s_id: int,
                       ns: list) -> tuple:
    """faith: [len(ns)] float64; error_share: float. Top-n latents by influence kept, the rest ablated."""
    lat = graph.nodes_of("latent")
    order = torch.sort(influence[lat].double(), stable=True).indices
    ranked = [(int(graph.layer[i]), int(graph.pos[i]), int(graph.feature[i])) for i in lat[order].tolist()]
    m_all = logit_diff(run_with_edits(model, transcoders, graph.tokens, []), io_id, s_id)
    m_none = logit_diff(run_with_edits(model, transcoders, graph.tokens, [(*x, 0.0) for x in ranked]), io_id, s_id)
    faith = []
    for n in tqdm(ns, desc="faithfulness", leave=False):
        m_n = logit_diff(run_with_edits(model, transcoders, graph.tokens, [(*x, 0.0) for x in ranked[n:]]), io_id, s_id)
        faith.append((m_n - m_none) / (m_all - m_none))
    error_share = float(influence[graph.nodes_of("error")].sum() / influence.sum())
    return torch.tensor(faith, dtype=torch.float64), error_share
