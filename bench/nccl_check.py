"""DistributedDataParallel over nccl on a GPU machine: joins the group torchrun describes as `sae-movies train` does
(`start_distributed`, one GPU per process by `local_gpu`), all-reduces a number, and compares the sparse step's gradients
through DDP with the plain ones (seeded random ratings, 64 rows x 500 movies). Needs CUDA; prints its findings:

    torchrun --nproc-per-node N bench/nccl_check.py      # N <= the node's GPUs (PYTHONPATH=. where the package is not installed)

With N processes each computes its gradients on the same rows, so DDP's average equals one process's gradients and the
largest gap printed should be 0 up to rounding. The CPU counterpart, two processes training against one (gloo), is a test
in 14_scale."""
import os, numpy as np, scipy.sparse as sp, torch
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
print('largest gap, DDP vs plain gradients:', max((a - p.grad).abs().max().item() for a, p in zip(g, net.parameters())), flush=True)
torch.distributed.destroy_process_group()
