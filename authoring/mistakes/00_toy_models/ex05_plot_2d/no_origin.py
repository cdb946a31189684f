# Mistake: plots only the tip of each feature (one point) instead of a segment from the origin.
def plot_features_in_2d(W: Tensor, subplot_titles=None, title: str = "") -> go.Figure:
    """W: (n_inst, 2, n_features). Returns a figure with n_inst subplots, one line trace per feature."""
    W = W.detach().float().cpu()
    n_inst, _, n_features = W.shape
    fig = make_subplots(rows=1, cols=n_inst, subplot_titles=subplot_titles)
    colors = [f"hsl({int(360 * i / max(n_features, 1))}, 70%, 45%)" for i in range(n_features)]
    for k in range(n_inst):
        for i in range(n_features):
            fig.add_trace(go.Scatter(x=[float(W[k, 0, i])], y=[float(W[k, 1, i])], mode="lines+markers",
                                     line=dict(color=colors[i]), name=f"feature {i}", showlegend=(k == 0)),
                          row=1, col=k + 1)
        fig.update_xaxes(range=[-1.5, 1.5], row=1, col=k + 1)
        fig.update_yaxes(range=[-1.5, 1.5], scaleanchor=f"x{k + 1 if k else ''}", row=1, col=k + 1)
    fig.update_layout(title=title, height=300, width=max(300, 220 * n_inst))
    return fig
