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


def _np(x):
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().float().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    return x
