"""RNN family: optional 1-D conv front-end over time, a recurrent stack, pooling over time, a head.

Input (B, T, F).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nas.models._layers import ACTIVATIONS, head

CELLS: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def _last(out: torch.Tensor, hidden: int, bidirectional: bool) -> torch.Tensor:
    """Final state: forward direction at the last step, backward direction at the first."""
    if not bidirectional:
        return out[:, -1]
    return torch.cat([out[:, -1, :hidden], out[:, 0, hidden:]], dim=-1)


TIME_POOLS = {
    "last": _last,
    "mean": lambda out, hidden, bi: out.mean(dim=1),
    "max": lambda out, hidden, bi: out.amax(dim=1),
}


class RNNNet(nn.Module):
    def __init__(self, sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        _, features = input_shape
        front, spec = sections.get("frontend", {}), sections["rnn"]
        self.frontend: nn.Module | None = None
        if int(front.get("channels", 0)) > 0:
            channels = int(front["channels"])
            self.frontend = nn.Sequential(
                nn.Conv1d(features, channels, int(front.get("kernel", 3)), padding="same"),
                ACTIVATIONS[front.get("activation", "relu")](),
            )
            features = channels
        self.hidden, self.bidirectional = int(spec["hidden"]), bool(spec.get("bidirectional", False))
        layers = int(spec.get("layers", 1))
        self.rnn = CELLS[spec.get("cell", "lstm")](
            features, self.hidden, num_layers=layers, batch_first=True,
            bidirectional=self.bidirectional, dropout=float(spec.get("dropout", 0.0)) if layers > 1 else 0.0,
        )
        self.pool_name = spec.get("pool", "last")
        directions = 2 if self.bidirectional else 1
        self.head = head(self.hidden * directions, out_dim, sections.get("head", {}))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, F)
        if self.frontend is not None:
            x = self.frontend(x.transpose(1, 2)).transpose(1, 2)  # conv over time
        out, _ = self.rnn(x)  # (B, T, hidden * directions)
        return self.head(TIME_POOLS[self.pool_name](out, self.hidden, self.bidirectional))


def build(sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> nn.Module:
    return RNNNet(sections, input_shape, out_dim)


def summarize(sections: dict[str, Any]) -> str:
    front, spec = sections.get("frontend", {}), sections["rnn"]
    parts = []
    if int(front.get("channels", 0)) > 0:
        parts.append(f"conv{front['channels']}k{front.get('kernel', 3)}")
    text = ("bi" if spec.get("bidirectional") else "") + f"{spec.get('cell', 'lstm')}{spec['hidden']}"
    if int(spec.get("layers", 1)) > 1:
        text += f"x{spec['layers']}"
    parts.append(f"{text}-{spec.get('pool', 'last')}")
    if sections.get("head", {}).get("hidden"):
        parts.append(f"fc{sections['head']['hidden']}")
    return " | ".join(parts)
