"""Shared fixtures."""
import pytest


@pytest.fixture
def one_thread():
    """One torch thread, as in a sweep's worker process: batched and lone runs agree bit for bit there
    (with several threads a batched matrix product may split its work differently)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
