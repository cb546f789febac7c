"""DistributedDataParallel over nccl on a GPU machine: joins the group torchrun describes as `sae-movies train` does
(`start_distributed`, one GPU per process by `local_gpu`), all-reduces a number, and compares the sparse step's gradients
through DDP with the plain ones (seeded random ratings, 64 rows x 500 movies). Needs CUDA; prints its findings, and the first
process saves them as bench/results/nccl_check.json:

    torchrun --nproc-per-node N bench/nccl_check.py      # N <= the node's GPUs (PYTHONPATH=. where the package is not installed)

With N processes each computes its gradients on the same rows, so DDP's average equals one process's gradients and the
largest gap printed should be 0 up to rounding. The CPU counterpart, two processes training against one (gloo), is a test
in 14_scale."""
import json, platform, time
from pathlib import Path
import numpy as np, scipy.sparse as sp, torch
from sae_movies.core import atomic_write
from sae_movies.train import start_distributed, AutoEncoder, RatingPattern, SparseStep, sparse_forward, local_gpu
rank, world = start_distributed('cuda')
print('backend', torch.distributed.get_backend(), 'rank', rank, 'world', world, 'gpu', torch.cuda.current_device(), flush=True)
t = torch.tensor([1.0 + rank], device='cuda'); torch.distributed.all_reduce(t); print('all_reduce of 1..world:', t.item(), flush=True)
csr = sp.random(64, 500, density=0.05, format='csr', dtype=np.float32, random_state=0); csr.data = np.ceil(csr.data * 5)
torch.manual_seed(0); net = AutoEncoder(500).cuda()
ddp = torch.nn.parallel.DistributedDataParallel(SparseStep(net), device_ids=[local_gpu()])
pat = RatingPattern(csr, device='cuda')
err = ddp(pat) - pat.values; err.dot(err).backward(); g = [p.grad.clone() for p in net.parameters()]
net.zero_grad(); err = sparse_forward(net, pat) - pat.values; err.dot(err).backward()
gap = max((a - p.grad).abs().max().item() for a, p in zip(g, net.parameters()))
print('largest gap, DDP vs plain gradients:', gap, flush=True)
if rank == 0:
    out = {'backend': torch.distributed.get_backend(), 'world': world, 'all_reduce': t.item(), 'expected_all_reduce': world * (world + 1) / 2,
           'largest_gradient_gap': gap, 'gpu': torch.cuda.get_device_name(0), 'gpus': torch.cuda.device_count(), 'torch': torch.__version__,
           'python': platform.python_version(), 'date': time.strftime('%Y-%m-%d %H:%M')}
    path = Path(__file__).parent/'results'/'nccl_check.json'
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1) + '\n')); print(f'saved {path}')
torch.distributed.destroy_process_group()
