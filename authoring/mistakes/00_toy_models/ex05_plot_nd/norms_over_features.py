# Mistake: takes the norm over the feature axis (one value per hidden dimension).
def plot_features_nd(W: Tensor, title: str = "") -> go.Figure:
    """W: (n_inst, d_hidden, n_features). Row 1: heatmaps of WᵀW; row 2: bars of the feature norms."""
    W = W.detach().float().cpu()
    n_inst = W.shape[0]
    WtW = einops.einsum(W, W, "inst hid f1, inst hid f2 -> inst f1 f2")
    norms = W.norm(dim=2)
    fig = make_subplots(rows=2, cols=n_inst, row_heights=[0.7, 0.3], vertical_spacing=0.08)
    for k in range(n_inst):
        fig.add_trace(go.Heatmap(z=WtW[k].numpy(), zmid=0, colorscale="RdBu", showscale=(k == 0)), row=1, col=k + 1)
        fig.add_trace(go.Bar(y=norms[k].numpy(), showlegend=False, marker_color="steelblue"), row=2, col=k + 1)
        fig.update_yaxes(autorange="reversed", row=1, col=k + 1)
    fig.update_layout(title=title, height=450, width=max(350, 230 * n_inst))
    return fig
