"""keep_freed_memory: glibc's malloc keeps freed blocks; bad thresholds are refused by name."""
import subprocess
import sys

import pytest

from scalingcheck.simulate.runs.allocator import keep_freed_memory


def test_bad_thresholds_name_the_parameter():
    with pytest.raises(ValueError, match="mmap_threshold=0"):
        keep_freed_memory(mmap_threshold=0)
    with pytest.raises(ValueError, match="trim_threshold=1.5"):
        keep_freed_memory(trim_threshold=1.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_after_it_repeated_steps_reuse_their_memory():
    """In a fresh process, 50 'steps' that each make 8 tensors of 1.5 MiB (384 pages each) and free them: after
    keep_freed_memory the steps reuse the memory of the first ones, so the page faults stay below three steps'
    worth. (With glibc's defaults the same loop faulted 3,000 to 150,000 times, varying from run to run.)"""
    code = """
import resource, torch
from scalingcheck.simulate.runs.allocator import keep_freed_memory
assert keep_freed_memory()
def step():
    tensors = [torch.ones(3 << 16, dtype=torch.float64) for _ in range(8)]
    del tensors
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    faults = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert faults < 3 * 8 * 384
