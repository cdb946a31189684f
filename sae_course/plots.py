"""Plotly figures the sections reuse, rendered offline (plotly.js is embedded, no CDN)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio


def use_offline_renderer() -> None:
    """Make ``fig.show()`` embed plotly.js in the notebook so figures render with no network."""
    # "plotly_mimetype" renders in JupyterLab; "notebook" embeds plotly.js once per notebook so the
    # HTML feedback shows the figures too, with no CDN.
    pio.renderers.default = "plotly_mimetype+notebook"


def heatmap(z, *, title: str = "", x=None, y=None, xlabel: str = "", ylabel: str = "", zmid: float | None = 0.0,
            colorscale: str = "RdBu") -> go.Figure:
    """A labelled heatmap (e.g. WᵀW, latent-to-latent attributions)."""
    fig = go.Figure(go.Heatmap(z=_np(z), x=x, y=y, zmid=zmid, colorscale=colorscale))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, yaxis_autorange="reversed")
    return fig


def bars(values, *, labels=None, title: str = "", xlabel: str = "", ylabel: str = "") -> go.Figure:
    fig = go.Figure(go.Bar(x=labels if labels is not None else list(range(len(values))), y=_np(values)))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel)
    return fig


def lines(ys: dict, *, x=None, title: str = "", xlabel: str = "", ylabel: str = "", log_y: bool = False) -> go.Figure:
    """One line per named series, e.g. training curves."""
    fig = go.Figure()
    for name, y in ys.items():
        y = _np(y)
        fig.add_trace(go.Scatter(x=x if x is not None else list(range(len(y))), y=y, mode="lines", name=name))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def histogram(values, *, nbins: int = 50, title: str = "", xlabel: str = "", log_y: bool = False) -> go.Figure:
    fig = go.Figure(go.Histogram(x=_np(values).ravel(), nbinsx=nbins))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title="count")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def training_curves(runs: dict, keys=("mse_loss", "l0", "explained_variance", "dead_frac"), *, title: str = "",
                    x_key: str = "step", log_y=("mse_loss", "l0")) -> go.Figure:
    """Training curves of several runs side by side: one panel per history key, one colour per run.

    ``runs`` maps a run's name to its history (a dict of equal-length lists, e.g.
    ``sae_course.training.TrainResult.history``).
    """
    from plotly.subplots import make_subplots

    keys = list(keys)
    cols = min(len(keys), 4)
    rows = (len(keys) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=keys, horizontal_spacing=0.07)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    for r, (name, hist) in enumerate(runs.items()):
        colour = palette[r % len(palette)]
        for i, key in enumerate(keys):
            if key not in hist:
                continue
            fig.add_trace(go.Scatter(x=hist.get(x_key), y=_np(hist[key]), mode="lines", name=name, legendgroup=name,
                                     showlegend=(i == 0), line=dict(color=colour)),
                          row=i // cols + 1, col=i % cols + 1)
            if key in (log_y or ()):
                fig.update_yaxes(type="log", row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(title=title, height=320 * rows, width=max(700, 260 * cols))
    return fig


def frontier(points: dict, *, title: str = "", xlabel: str = "L0 (active latents per token)",
             ylabel: str = "explained variance", fronts: dict | None = None, log_x: bool = True) -> go.Figure:
    """Sparsity-reconstruction scatter: ``points`` maps a group (e.g. an architecture) to ``(l0s, evs, labels)``.

    ``fronts`` (optional) maps a group to the indices of its frontier points, drawn as a line.
    """
    fig = go.Figure()
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    for g, (name, (xs, ys, labels)) in enumerate(points.items()):
        colour = palette[g % len(palette)]
        fig.add_trace(go.Scatter(x=list(_np(xs)), y=list(_np(ys)), mode="markers", name=name, text=labels,
                                 marker=dict(size=10, color=colour)))
        if fronts and name in fronts and len(fronts[name]) > 0:
            idx = list(fronts[name])
            fig.add_trace(go.Scatter(x=[_np(xs)[i] for i in idx], y=[_np(ys)[i] for i in idx], mode="lines",
                                     line=dict(color=colour, dash="dot"), showlegend=False, hoverinfo="skip"))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel)
    if log_x:
        fig.update_xaxes(type="log")
    return fig


def _np(x):
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().float().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    return x
