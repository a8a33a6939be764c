"""Which of E stacked models are still training: the bookkeeping the training loops share.

:func:`.training.train_ensemble` (SGD, Adam) and :func:`.gradient_flow.train_flow_ensemble`
train E models as one batch whose members stop at different steps (converged, diverged,
stalled, out of steps, each after its own epochs). A stopped model leaves the batch, so
that it costs nothing more: the loops keep the state of the live models only, compacted
(their rows of the stacked tensors, in model order), and write a model's state back into
the full [E, ...] tensors by its original index. :class:`ActiveSet` owns that set of
live models and the moves between the full tensors and the compacted ones; what makes a
model stop, and how a step is taken, stay in each loop.

Compacting and writing back are exact copies (index, gather, scatter), so a model's
numbers do not depend on the models batched with it.
"""
from __future__ import annotations

from typing import Mapping, MutableMapping, Sequence

import torch

__all__ = ["ActiveSet"]


class ActiveSet:
    """The live models of a stacked ensemble of `size` models: their original indices, in model order.

    Row ``j`` of a compacted tensor belongs to model ``ids[j]``. The set starts with every model;
    :meth:`keep` narrows it to some of its rows (a loop that compacts step by step), :meth:`select`
    sets it from a mask over all models (a loop that compacts from the full tensors).
    """

    def __init__(self, size: int, device: torch.device | str):
        self.size = size
        self.device = device
        self.ids: list[int] = list(range(size))
        self._index: torch.Tensor | None = None
        self._index_cpu: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def everyone(self) -> list[int]:
        """Every model's index, ``[0, .., size - 1]`` (live or not)."""
        return list(range(self.size))

    @property
    def whole(self) -> bool:
        """Whether every model is live (compacted tensors are then the full ones)."""
        return len(self.ids) == self.size

    @property
    def index(self) -> torch.Tensor:
        """The live models' indices, int64 on the ensemble's device."""
        if self._index is None:
            self._index = torch.tensor(self.ids, dtype=torch.int64, device=self.device)
        return self._index

    @property
    def index_cpu(self) -> torch.Tensor:
        """The live models' indices, int64 on the CPU (for per-model counters kept there)."""
        if self._index_cpu is None:
            self._index_cpu = self.index.cpu()
        return self._index_cpu

    # -- changing the set
    def keep(self, rows: Sequence[int]) -> torch.Tensor | None:
        """Keep the live models at positions `rows` (increasing) of the compacted tensors; drop the others.

        Returns the selector (int64 on the ensemble's device) that compacts the loop's live tensors to
        the kept rows (``v[sel]``), or None when every live model is kept.
        """
        if len(rows) == len(self.ids):
            return None
        sel = torch.tensor(rows, device=self.device)
        self.ids = [self.ids[j] for j in rows]
        self._index = self._index_cpu = None
        return sel

    def select(self, mask: torch.Tensor) -> None:
        """Make the live models those where `mask` (bool [size], over all models) is True."""
        self._index = torch.nonzero(mask).squeeze(1)
        self._index_cpu = self._index.cpu()
        self.ids = self._index_cpu.tolist()

    # -- moving state between the full tensors [size, ...] and the live rows
    def gather(self, full: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The live rows of full tensors; the full tensors themselves when every model is live."""
        if self.whole:
            return dict(full)
        index = self.index
        return {k: v[index] for k, v in full.items()}

    def scatter(self, full: MutableMapping[str, torch.Tensor], live: Mapping[str, torch.Tensor]) -> None:
        """Write the live rows `live` back into the full tensors (those of `full`'s keys), in place.

        A live tensor that is still the full tensor itself (gathered whole and never replaced) is
        already there."""
        index = self.index
        for k in full:
            if live[k] is not full[k]:
                full[k][index] = live[k]

    def retire(self, row: int, full: MutableMapping[str, torch.Tensor], live: Mapping[str, torch.Tensor]) -> None:
        """Write the final state of the live model at position `row` into the full tensors (by its index)."""
        i = self.ids[row]
        for k, v in live.items():
            full[k][i] = v[row].detach()
